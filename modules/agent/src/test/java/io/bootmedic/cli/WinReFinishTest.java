package io.bootmedic.cli;

import io.bootmedic.console.WinPeConsole;
import io.bootmedic.report.FileAction;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.report.VolumeOutcome;
import io.bootmedic.report.WinReNext;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fix --winre: restart into Windows only after a repair; everything else hands back to WinRE's menu at once. */
class WinReFinishTest {
    static Report report(RunOutcome outcome, VolumeOutcome... volumes) {
        List<Report.VolumeReport> vs = new java.util.ArrayList<>();
        for (VolumeOutcome vo : volumes) {
            List<Report.Action> actions = vo == VolumeOutcome.FIXED ? List.of(new Report.Action("r", "Windows/System32/drivers/CrowdStrike/C-00000291-x.sys",
                    1, "s", null, "faulty", FileAction.QUARANTINED, "q", null)) : List.of();
            vs.add(new Report.VolumeReport("ntfs:" + vs.size(), "C", "NTFS", Report.BitLocker.NONE, new Report.Windows("PC-7", null, null), "n/a",
                    actions, vo, null, List.of()));
        }
        return new Report(Report.SCHEMA, "id", "0", "t", "t", RunMode.WINPE, "fix", new Report.PlaybookRef("p", "built-in"), Report.Host.UNKNOWN,
                outcome, vs);
    }

    @Test
    void onlyARepairRestarts() {
        assertEquals(WinReNext.RESTART_INTO_WINDOWS, WinReNext.after(RunOutcome.FIXED));
        for (RunOutcome o : List.of(RunOutcome.CLEAN, RunOutcome.NEEDS_KEY, RunOutcome.FAILED, RunOutcome.NO_WINDOWS, RunOutcome.NEEDS_FIX)) {
            assertEquals(WinReNext.LEAVE_TO_WINRE_MENU, WinReNext.after(o), o + " must leave WinRE's menu to the person");
        }
        // one volume repaired, another still locked: the run says needs-key, and a person must see the menu
        Report mixed = report(RunOutcome.of(report(RunOutcome.FIXED, VolumeOutcome.FIXED, VolumeOutcome.LOCKED).volumes()),
                VolumeOutcome.FIXED, VolumeOutcome.LOCKED);
        assertEquals(WinReNext.LEAVE_TO_WINRE_MENU, WinReNext.after(mixed));
    }

    static String finish(Report r, Integer seconds, AtomicInteger reboots, AtomicInteger safebootChecks) throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        AtomicInteger slept = new AtomicInteger();
        WinPeConsole console = new WinPeConsole(new PrintStream(screen, true), null, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
                d -> slept.addAndGet((int) d.toSeconds()), () -> false);
        WinReFinish.finish(r, seconds, console, new AfterFix.BootControl() {
            @Override
            public List<String> clearSafeboot() {
                safebootChecks.incrementAndGet();
                return List.of();
            }

            @Override
            public void rebootNow() {
                reboots.incrementAndGet();
            }
        });
        return screen + "\nslept=" + slept.get();
    }

    @Test
    void aRepairCountsDownTenSecondsByDefaultThenRestarts() throws Exception {
        AtomicInteger reboots = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        String screen = finish(report(RunOutcome.FIXED, VolumeOutcome.FIXED), null, reboots, checks);
        assertTrue(screen.contains("FIXED") && screen.contains("Restarting in 10 s"), screen);
        assertTrue(screen.endsWith("slept=10"), screen);
        assertEquals(1, reboots.get());
        assertEquals(1, checks.get(), "a safeboot left by an earlier attempt is cleared before the restart");
    }

    @Test
    void aCleanOrLockedMachineReturnsAtOnceWithoutRestartOrCountdown() throws Exception {
        AtomicInteger reboots = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        for (Report r : List.of(report(RunOutcome.CLEAN, VolumeOutcome.CLEAN), report(RunOutcome.NEEDS_KEY, VolumeOutcome.LOCKED),
                report(RunOutcome.NO_WINDOWS), report(RunOutcome.FAILED, VolumeOutcome.FAILED))) {
            String screen = finish(r, 30, reboots, checks);
            assertTrue(screen.contains("back to the Windows Recovery menu") && screen.contains("(" + r.outcome() + ")"), screen);
            assertFalse(screen.contains("Restarting"), screen);
            assertTrue(screen.endsWith("slept=0"), "no wait before WinRE's menu: " + screen);
        }
        assertEquals(0, reboots.get());
        assertEquals(0, checks.get(), "the boot configuration is not touched when nothing was repaired");
    }
}
