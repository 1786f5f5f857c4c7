package io.bootmedic.osrepair;

import io.bootmedic.platform.CommandRunner;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.remediation.RemediationRun;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.testutil.SharedData;
import io.bootmedic.volumes.RootTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 25's playbook on the running Windows in safe mode, the whole run: a driver disabled, its filter removed from
 * the disk class, the bad update removed with DISM /Online, and the machine set back to a normal start with a boot
 * status policy, all through Windows' own tools (fakes), in the playbook's order in the report.
 */
class SafeModePlaybookTest {
    @TempDir
    Path root;
    @TempDir
    Path tmp;

    @Test
    void aBadDriverPlaybookRunsInSafeModeThroughWindowsTools() throws Exception {
        PracticeTree.create(root);
        Path live = tmp.resolve("HKLM-SYSTEM");
        Files.write(live, Files.readAllBytes(SharedData.unxz("registry/regipy/SYSTEM.xz", tmp)));
        FakeRegistryApi api = new FakeRegistryApi();
        api.live.put("SYSTEM", live);
        FakeDism dism = new FakeDism("/Online", List.of(DismRecordings.SSU, DismRecordings.LCU));
        FakeBcdedit bcdedit = new FakeBcdedit();
        bcdedit.systemStore = bcdedit.store(tmp.resolve("BCD"), "partition=C:");
        bcdedit.stores.get(bcdedit.systemStore).put("safeboot", "Minimal");
        CommandRunner tools = (cmd, timeout) -> switch (cmd.get(0)) {
            case "dism.exe" -> dism.run(cmd, timeout);
            case "bcdedit" -> bcdedit.run(cmd, timeout);
            case "reg.exe" -> {
                Files.copy(live, Path.of(cmd.get(3)));
                yield new CommandRunner.Result(0, "The operation completed successfully.\r\n");
            }
            default -> throw new AssertionError(cmd.toString());
        };
        var playbook = PlaybookParser.parse(("{\"id\":\"badflt\",\"title\":\"a bad filter driver\",\"rules\":["
                + "{\"id\":\"disable\",\"action\":\"disable-service\",\"service\":\"Beep\",\"start\":\"disabled\"},"
                + "{\"id\":\"filter\",\"action\":\"remove-filter\",\"classGuid\":\"{4d36e967-e325-11ce-bfc1-08002be10318}\",\"list\":\"UpperFilters\","
                + "\"name\":\"PartMgr\"},"
                + "{\"id\":\"update\",\"action\":\"remove-package\",\"package\":\"Package_for_RollupFix~*\"},"
                + "{\"id\":\"normal\",\"action\":\"safe-mode\",\"mode\":\"off\"},"
                + "{\"id\":\"policy\",\"action\":\"boot-status-policy\",\"policy\":\"IgnoreAllFailures\"}]}").getBytes(StandardCharsets.UTF_8), "t");
        RootTarget target = new RootTarget(root, RunMode.SAFE_MODE);
        Report r = new RemediationRun(playbook, new RunOptions("fix", false), IdentityProbe.NONE, CrashPoint.NONE)
                .repairs(new OsRepairs(api, tools, () -> {
                    throw new AssertionError("in safe mode the system store is the machine's");
                }, root)).run(target.mode(), target.open(), Report.Host.UNKNOWN);
        assertEquals("fixed", r.outcome().wire(), r.toString());
        List<Report.Action> a = r.volumes().get(0).actions();
        assertEquals(List.of("disable", "filter", "update", "normal", "policy"), a.stream().map(Report.Action::rule).toList(), "the playbook's order");
        assertTrue(a.stream().allMatch(x -> x.action().wire().equals("repaired")), a.toString());
        assertTrue(a.get(0).detail().startsWith("1 -> 4 (ControlSet001), in the running Windows' registry"), a.get(0).detail());
        assertTrue(a.get(1).detail().startsWith("PartMgr -> "), a.get(1).detail());
        assertTrue(a.get(2).detail().startsWith("removed " + DismRecordings.LCU.identity() + " (3010"), a.get(2).detail());
        assertTrue(a.get(3).detail().startsWith("safeboot: Minimal -> (absent); to put it back: bcdedit /set {default} safeboot minimal"), a.get(3).detail());
        assertEquals("IgnoreAllFailures", bcdedit.stores.get(bcdedit.systemStore).get("bootstatuspolicy"));
    }
}
