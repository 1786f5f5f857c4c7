package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.playbook.RepairRule;

import java.io.IOException;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Applies a playbook's repair rules (registry, boot configuration, updates) to one volume. The engine knows only this
 * seam; the registry writer provides it (META-INF/services), so the engine does not depend on the registry layer.
 */
public interface Repairs {
    List<ActionResult> apply(FileTree tree, CrashPoint crash, String runId, String playbookId, List<RepairRule> rules, boolean dryRun) throws IOException;

    /** The one on the class path, or one that reports each rule as not done here (a build without the registry writer). */
    static Repairs load() {
        return ServiceLoader.load(Repairs.class, Repairs.class.getClassLoader()).findFirst()
                .orElse((tree, crash, runId, playbookId, rules, dryRun) -> rules.stream().map(r -> new ActionResult(r.id(), "-", 0, null, null,
                        Verdict.NEEDS_REPAIR, io.bootmedic.report.FileAction.NOT_DONE_HERE, null, "this build of bootmedic has no registry writer")).toList());
    }
}
