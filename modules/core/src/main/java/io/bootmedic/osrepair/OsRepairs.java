package io.bootmedic.osrepair;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.Repairs;
import io.bootmedic.remediation.RuleConditions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Windows route's {@link Repairs} (a target on Windows provides it instead of the offline registry writer): the
 * registry rules through the registry API ({@link OsRegistryRepairs}), the update rules through DISM
 * ({@link DismRepairs}), the boot configuration rules through bcdedit ({@link BcdRepairs}). On the Windows bootmedic
 * runs on (safe mode, {@code --root C:\}) its hives are loaded and in use: they are written in place
 * ({@link LiveRegistryRepairs}).
 */
public final class OsRepairs implements Repairs {
    private final RegistryApi registry;
    private final CommandRunner tools;
    private final BcdStores bcdStores;
    private final Path runningWindows;

    /**
     * @param tools          runs dism.exe and bcdedit (decoding their output with the OEM code page)
     * @param runningWindows the root of the Windows this process runs on (C:\ in safe mode), or null in WinPE and WinRE
     */
    public OsRepairs(RegistryApi registry, CommandRunner tools, BcdStores bcdStores, Path runningWindows) {
        this.registry = registry;
        this.tools = tools;
        this.bcdStores = bcdStores;
        this.runningWindows = runningWindows == null ? null : runningWindows.toAbsolutePath().normalize();
    }

    @Override
    public List<ActionResult> apply(FileTree tree, CrashPoint crash, String runId, String playbookId, List<RepairRule> rules, boolean dryRun)
            throws IOException {
        if (!(tree instanceof LocalFileTree local)) {
            return Outcomes.failAll(rules, "-", tree.describe() + " is not a volume Windows mounted, so Windows' own tools cannot repair it; "
                    + "nothing was changed");
        }
        Path root = local.root().toAbsolutePath().normalize();
        boolean live = root.equals(runningWindows);
        Map<RepairRule, List<ActionResult>> byRule = new LinkedHashMap<>();
        Map<RepairRule.Hive, List<RepairRule>> byHive = new LinkedHashMap<>();
        List<RepairRule> boot = new ArrayList<>();
        DismRepairs dism = new DismRepairs(tools);
        for (RepairRule r : rules) {
            byRule.put(r, new ArrayList<>());
            if (!RuleConditions.holds(tree, r.when())) {
                byRule.get(r).add(Outcomes.notNeeded(r, String.valueOf(r.when().file()), "its 'when' does not hold here: "
                        + RuleConditions.describe(r.when())));
            } else if (r instanceof RepairRule.RevertPendingUpdates u) {
                byRule.get(r).add(dism.revertPending(u, tree, root, live, dryRun));
            } else if (r instanceof RepairRule.RemovePackage p) {
                byRule.get(r).add(dism.removePackage(p, root, live, dryRun));
            } else if (r instanceof RepairRule.SafeMode || r instanceof RepairRule.BootStatusPolicy) {
                boot.add(r);
            } else {
                byHive.computeIfAbsent(r instanceof RepairRule.SetRegistry s ? s.hive() : RepairRule.Hive.SYSTEM, h -> new ArrayList<>()).add(r);
            }
        }
        OsRegistryRepairs hives = new OsRegistryRepairs(registry, tree, root, crash);
        LiveRegistryRepairs running = new LiveRegistryRepairs(registry, tools, tree, root);
        for (Map.Entry<RepairRule.Hive, List<RepairRule>> e : byHive.entrySet()) {
            collect(byRule, live ? running.apply(runId, e.getKey(), e.getValue(), dryRun) : hives.apply(runId, playbookId, e.getKey(), e.getValue(), dryRun));
        }
        collect(byRule, new BcdRepairs(tools, bcdStores).apply(boot, tree, root, live, runId, dryRun));
        return byRule.values().stream().flatMap(List::stream).toList();
    }

    /** Results back into rule order (the report lists them as the playbook does). */
    private static void collect(Map<RepairRule, List<ActionResult>> byRule, List<ActionResult> results) {
        for (ActionResult a : results) {
            byRule.entrySet().stream().filter(e -> e.getKey().id().equals(a.rule())).findFirst().orElseThrow().getValue().add(a);
        }
    }
}
