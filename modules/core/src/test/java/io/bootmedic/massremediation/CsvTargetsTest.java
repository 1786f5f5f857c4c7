package io.bootmedic.massremediation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/lib/common.sh's csv_targets, which every route's --csv goes through, run by bash and read
 * the way the routes read it ({@code IFS=$'\037' read -r first second}): a one-column line (a name
 * alone) keeps its empty first field instead of shifting the name into it.
 */
class CsvTargetsTest {
    @TempDir
    Path tmp;

    @Test
    void everyLineReadsBackAsItsTwoFieldsWhateverItsShape() throws Exception {
        Path csv = tmp.resolve("targets.csv");
        Files.writeString(csv, "ResourceGroup,Name\r\n"
                + "rg-prod, web-01 \r\n"
                + "# a comment\r\n"
                + "\r\n"
                + "web-02\r\n"
                + "\"rg-test\",\"db 01\"\r\n", StandardCharsets.UTF_8);
        String script = "source scripts/lib/common.sh; csv_targets \"$1\" 'resource|group' | "
                + "while IFS=$'\\037' read -r g n; do printf '[%s][%s]\\n' \"$g\" \"$n\"; done";
        Process p = new ProcessBuilder("bash", "-c", script, "bash", csv.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(List.of("[rg-prod][web-01]", "[][web-02]", "[rg-test][db 01]"), out.lines().toList());
    }
}
