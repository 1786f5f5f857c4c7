package io.bootmedic.keys;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoveryPasswordPromptTest {
    static final String RP = KeyFileReaderTest.RP1;

    private static Optional<RecoveryPassword> run(String typed, StringWriter screen) throws Exception {
        return new RecoveryPasswordPrompt(new BufferedReader(new StringReader(typed)), new PrintWriter(screen, true), 5)
                .ask("DESKTOP-NPM7RCA C:", "PC-0042", "{" + KeyFileReaderTest.ID1 + "}");
    }

    @Test
    void groupByGroupWithATypoThatIsNamedAndRetyped() throws Exception {
        String[] g = RP.split("-");
        String typed = g[0] + "\n" + g[1] + "\n253978\n" + g[2] + "\n" + String.join("\n", java.util.Arrays.copyOfRange(g, 3, 8)) + "\n";
        StringWriter screen = new StringWriter();
        assertEquals(RecoveryPassword.parse(RP), run(typed, screen).orElseThrow());
        assertTrue(screen.toString().contains("group 3 is wrong (not divisible by 11): type group 3 again"), screen.toString());
        assertTrue(screen.toString().contains("64311DEA"), "shows the key ID as the recovery screen does");
        for (String group : g) {
            assertFalse(screen.toString().contains(group), "the digits are never printed back");
        }
    }

    @Test
    void aWholeLineFromABarcodeScannerAndSkipping() throws Exception {
        assertEquals(RecoveryPassword.parse(RP), run(RP + "\n", new StringWriter()).orElseThrow());
        assertEquals(RecoveryPassword.parse(RP), run(RP.replace("-", " ") + "\n", new StringWriter()).orElseThrow());
        assertTrue(run("\n", new StringWriter()).isEmpty());
        assertTrue(run("q\n", new StringWriter()).isEmpty());
        StringWriter screen = new StringWriter();
        assertEquals(RecoveryPassword.parse(RP), run("abc\n" + RP + "\n", screen).orElseThrow());
        assertTrue(screen.toString().contains("only digits and dashes"), screen.toString());
    }

    @Test
    void tooManyMistakesGivesUp() throws Exception {
        StringWriter screen = new StringWriter();
        assertTrue(run("111112\n".repeat(6), screen).isEmpty());
        assertTrue(screen.toString().contains("too many mistakes"), screen.toString());
    }
}
