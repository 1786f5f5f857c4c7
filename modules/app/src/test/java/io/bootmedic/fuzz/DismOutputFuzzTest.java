package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.osrepair.DismOutput;

/** Whatever dism.exe prints (or a broken pipe leaves of it): the package table is read or refused, the error line is one line. */
class DismOutputFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void output(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
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
        DismOutput.code(data.consumeInt());
    }
}
