package io.bootmedic.batch;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchProgressTest {
    @Test
    void plainOutputHasOneLinePerFinishedTargetWithAnEstimateAndNoControlCodes() {
        StringWriter text = new StringWriter();
        BatchProgress p = new BatchProgress(new PrintWriter(text), false, 3);
        p.started(Path.of("/images/a.vhdx"));
        p.started(Path.of("/images/b.vhdx"));
        p.finished(Path.of("/images/a.vhdx"), "fixed", true, 1.25, "1 file(s) quarantined");
        p.finished(Path.of("/images/b.vhdx"), "locked", false, 0.5, "no key for {64311DEA-…}");
        p.close();
        String[] lines = text.toString().split("\n");
        assertEquals(2, lines.length, text.toString());
        assertTrue(lines[0].startsWith("[1/3] fixed      /images/a.vhdx  (1.3 s)  1 file(s) quarantined  [about "), lines[0]);
        assertTrue(lines[1].startsWith("[2/3] locked     /images/b.vhdx"), lines[1]);
        assertFalse(text.toString().contains("\u001b") || text.toString().contains("\r"), "pipes and logs get plain lines");
    }

    @Test
    void onATerminalAStatusLineNamesWhatIsRunningAndIsClearedBeforeEachResult() {
        StringWriter text = new StringWriter();
        BatchProgress p = new BatchProgress(new PrintWriter(text), true, 2);
        p.started(Path.of("/images/a.vhdx"));
        p.started(Path.of("/images/b.vhdx"));
        assertTrue(text.toString().endsWith("0/2 done, 0 not clean; working on a.vhdx, b.vhdx"), text.toString());
        p.finished(Path.of("/images/a.vhdx"), "fixed", true, 1, null);
        assertTrue(text.toString().contains("\r\u001b[K[1/2] fixed"), "the status line is cleared before the result line");
        assertTrue(text.toString().endsWith("1/2 done, 0 not clean; working on b.vhdx"), text.toString());
        p.finished(Path.of("/images/b.vhdx"), "fixed", true, 1, null);
        p.close();
        assertTrue(text.toString().endsWith("\r\u001b[K"), "nothing is left on the status line before the summary");
    }
}
