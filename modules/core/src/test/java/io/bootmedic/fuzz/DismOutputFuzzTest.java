package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.osrepair.DismOutput;
import io.bootmedic.platform.OemCodePage;
import io.bootmedic.platform.ProcessCommandRunner;

/**
 * Whatever dism.exe prints (or a broken pipe leaves of it), as the pipe's bytes in code page 850: the package table is
 * read or refused, the error line is one short line. Seeds: a recorded table and an error block (DismOutputFuzzTestInputs).
 */
class DismOutputFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void output(byte[] data) {
        String text = ProcessCommandRunner.decode(data, OemCodePage.forCodePage(850));
        try {
            for (DismOutput.Package p : DismOutput.packages(text)) {
                if (p.identity().isEmpty() || p.state().isEmpty()) {
                    throw new AssertionError("an empty cell read as a package: " + p);
                }
            }
        } catch (DismOutput.UnreadableException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a refusal without words", e);
            }
        }
        String said = DismOutput.error(text);
        if (said.length() > 300 || said.contains("\n")) {
            throw new AssertionError("not one short line: " + said);
        }
        if (data.length >= 4) {
            DismOutput.code((data[0] & 0xFF) << 24 | (data[1] & 0xFF) << 16 | (data[2] & 0xFF) << 8 | (data[3] & 0xFF));
        }
    }
}
