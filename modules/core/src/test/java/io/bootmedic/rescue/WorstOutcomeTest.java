package io.bootmedic.rescue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.bootmedic.report.RunOutcome.CLEAN;
import static io.bootmedic.report.RunOutcome.FAILED;
import static io.bootmedic.report.RunOutcome.FIXED;
import static io.bootmedic.report.RunOutcome.NEEDS_KEY;
import static io.bootmedic.report.RunOutcome.NO_WINDOWS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorstOutcomeTest {
    @TempDir
    Path tmp;

    @Test
    void theWorstDiskWinsAndEmptyDisksDoNotHideAFix() {
        assertEquals(FAILED, WorstOutcome.ofDisks(List.of(FIXED, FAILED, NEEDS_KEY)));
        assertEquals(NEEDS_KEY, WorstOutcome.ofDisks(List.of(CLEAN, NEEDS_KEY, FIXED)));
        assertEquals(FIXED, WorstOutcome.ofDisks(List.of(CLEAN, FIXED, NO_WINDOWS)), "a data disk without Windows beside the fixed one");
        assertEquals(NO_WINDOWS, WorstOutcome.ofDisks(List.of(NO_WINDOWS, NO_WINDOWS)));
        assertEquals(NO_WINDOWS, WorstOutcome.ofDisks(List.of()));
        assertEquals(CLEAN, WorstOutcome.ofDisks(List.of(CLEAN)));
        assertEquals(FAILED, WorstOutcome.ofDisks(List.of(NO_WINDOWS, FAILED)), "a refused RAID member beside a disk without Windows");
    }

    @Test
    void theDecisionIsOneWordWrittenWhole() throws IOException {
        Path file = tmp.resolve("bootmedic-after");
        Files.writeString(file, "reboot-and-some-more-old-text\n");
        AfterStep.POWEROFF.writeTo(file);
        assertEquals("poweroff\n", Files.readString(file));
        assertEquals(1, Files.list(tmp).count(), "no temporary file left");
        assertEquals(AfterStep.SHELL, AfterStep.parse("shell"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AfterStep.parse("reboot; rm -rf /"));
        assertEquals("--after takes reboot, poweroff or shell, not 'reboot; rm -rf /'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AfterStep.parse("REBOOT"));
    }
}
