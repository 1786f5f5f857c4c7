package io.bootmedic.cli;

import io.bootmedic.console.WinPeConsole;
import io.bootmedic.report.FileAction;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.report.VolumeOutcome;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The end of a WinPE run: banner, countdown, restart only when it makes sense. */
class AfterFixTest {

    private static Report report(String outcome) {
        Report.Action moved = new Report.Action("r", "Windows/System32/drivers/CrowdStrike/C-00000291-x.sys", 1, "s", null, "faulty",
                FileAction.QUARANTINED, "q", null);
        Report.VolumeReport v = new Report.VolumeReport("ntfs:1", "C", "NTFS", Report.BitLocker.NONE, new Report.Windows("PC-0042", null, null),
                "n/a", List.of(moved), volumeOutcome(outcome), null, List.of());
        return new Report(Report.SCHEMA, "id", "0", "t", "t", RunMode.WINPE, "fix", new Report.PlaybookRef("p", "built-in"), Report.Host.UNKNOWN, RunOutcome.fromWire(outcome), List.of(v));
    }

    private static VolumeOutcome volumeOutcome(String runOutcome) {
        return switch (runOutcome) {
            case "fixed" -> VolumeOutcome.FIXED;
            case "clean" -> VolumeOutcome.CLEAN;
            case "needs-key" -> VolumeOutcome.LOCKED;
            default -> VolumeOutcome.FAILED;
        };
    }

    private static String run(String outcome, Integer seconds, boolean keyPressed, AtomicInteger reboots) throws Exception {
        return run(outcome, seconds, keyPressed, reboots, List.of());
    }

    private static String run(String outcome, Integer seconds, boolean keyPressed, AtomicInteger reboots, List<String> safebootLeftOn)
            throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        WinPeConsole console = new WinPeConsole(new PrintStream(screen, true), null, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), d -> { }, () -> keyPressed);
        AfterFix.winpeFinish(report(outcome), seconds, console, new AfterFix.BootControl() {
            @Override
            public List<String> clearSafeboot() {
                return safebootLeftOn;
            }

            @Override
            public void rebootNow() {
                reboots.incrementAndGet();
            }
        });
        return screen.toString();
    }

    @Test
    void aSafebootLeftByAnEarlierAttemptIsSwitchedOffAndSaid() throws Exception {
        AtomicInteger reboots = new AtomicInteger();
        String screen = run("fixed", 1, false, reboots, List.of("{default}"));
        assertTrue(screen.contains("still set to start in safe mode") && screen.contains("{default}"), screen);
        assertTrue(screen.indexOf("safe mode") < screen.indexOf("Restarting"), "said before the restart");
        assertEquals(1, reboots.get());
    }

    @Test
    void fixedThenCountdownThenRestart() throws Exception {
        AtomicInteger reboots = new AtomicInteger();
        String screen = run("fixed", 5, false, reboots);
        assertTrue(screen.contains("FIXED") && screen.contains("1 faulty file(s) handled") && screen.contains("PC-0042"), screen);
        assertTrue(screen.contains("Restarting in 5 s"), screen);
        assertEquals(1, reboots.get());
    }

    @Test
    void aKeyCancelsAndAFailureNeverRestarts() throws Exception {
        AtomicInteger reboots = new AtomicInteger();
        assertTrue(run("fixed", 5, true, reboots).contains("Restart cancelled"));
        String failed = run("failed", 5, false, reboots);
        assertTrue(failed.contains("FAILED"), failed);
        assertEquals(0, reboots.get());
        run("fixed", null, false, reboots);
        assertEquals(0, reboots.get(), "no --reboot, no restart");
    }
}
