package io.bootmedic.osrepair;

import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.remediation.Repairs;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.TargetRunner;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.volumes.RootTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The engine applies repair rules with the Repairs its target provides (the Windows route on Windows), else the default. */
class TargetRepairsTest {
    @TempDir
    Path root;
    @TempDir
    Path out;

    @Test
    void theTargetsRepairsAreTheOnesUsed() throws Exception {
        PracticeTree.create(root);
        List<String> asked = new ArrayList<>();
        Repairs mine = (tree, crash, runId, playbookId, rules, dryRun) -> {
            asked.add(playbookId + " " + rules.size() + " dry=" + dryRun);
            return List.of(new ActionResult(rules.get(0).id(), "-", 0, null, null, Verdict.NOT_NEEDED, FileAction.KEPT, null, null, "mine"));
        };
        var playbook = PlaybookParser.parse(("{\"id\":\"pb\",\"title\":\"t\",\"rules\":[{\"id\":\"p\",\"action\":\"boot-status-policy\","
                + "\"policy\":\"IgnoreAllFailures\"}]}").getBytes(StandardCharsets.UTF_8), "t");
        Report r = new TargetRunner(playbook, new RunOptions("scan", true), IdentityProbe.NONE, () -> Report.Host.UNKNOWN)
                .run(new RootTarget(root, RunMode.MOUNTED_ROOT).repairs(mine), out.resolve("outbox"), null).report();
        assertEquals(List.of("pb 1 dry=true"), asked);
        assertEquals("mine", r.volumes().get(0).actions().get(0).detail());
    }
}
