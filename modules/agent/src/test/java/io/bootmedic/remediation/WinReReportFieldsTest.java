package io.bootmedic.remediation;

import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.registry.WindowsIdentityReader;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportJson;
import io.bootmedic.report.RunMode;
import io.bootmedic.testutil.Cli;
import io.bootmedic.volumes.RootTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a WinRE report says beyond its volumes' files: how each volume was met, and that its clock is unchecked. */
class WinReReportFieldsTest {
    @TempDir
    Path tmp;

    @Test
    void foundSaysHowTheVolumeWasMet() {
        assertEquals("none", Report.BitLocker.NONE.found());
        assertEquals("unlocked", new Report.BitLocker("unlocked", "XTS-AES-128", "{K}", null, false).found(), "WinRE had unlocked it");
        assertEquals("locked", new Report.BitLocker("unlocked", "XTS-AES-128", "{K}", "collector", true).found(), "bootmedic unlocked it");
        assertEquals("locked", new Report.BitLocker("locked", "XTS-AES-128", "{K}", null, false).found(), "no key: still locked");
        assertEquals("locked", new Report.BitLocker("locked", "XTS-AES-128", "{K}", "collector", false).found(), "the collector's key was refused");
    }

    @SuppressWarnings("unchecked")
    @Test
    void aWinPeRunSaysItsClockIsUncheckedAndEachVolumeHowItWasMet() throws Exception {
        Path drive = tmp.resolve("c");
        assertEquals(0, Cli.run("practice-tree", drive.toString()).exit);
        TargetRunner runner = new TargetRunner(PlaybookLoader.builtin(), new RunOptions("fix", false), new WindowsIdentityReader(), () -> Report.Host.UNKNOWN);
        Report winpe = runner.run(new RootTarget(drive, RunMode.WINPE), null, null).report();
        assertTrue(winpe.notes().contains(Report.UNCHECKED_CLOCK), winpe.notes().toString());
        Map<String, Object> json = ReportJson.read(ReportJson.toBytes(winpe));
        assertEquals(List.of(Report.UNCHECKED_CLOCK), json.get("notes"));
        assertTrue(json.containsKey("error") && json.get("error") == null, "the run-level error is written, null when there is none");
        Map<String, Object> bitlocker = (Map<String, Object>) ((Map<String, Object>) ((List<Object>) json.get("volumes")).get(0)).get("bitlocker");
        assertEquals("none", bitlocker.get("found"));

        Report mounted = runner.run(new RootTarget(drive, RunMode.MOUNTED_ROOT), null, null).report();
        assertFalse(mounted.notes().contains(Report.UNCHECKED_CLOCK), "a disk seen from a working machine has that machine's clock");
    }
}
