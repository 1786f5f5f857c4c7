package io.bootmedic.osrepair;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.JournalStore;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The registry rules on the Windows bootmedic runs on (safe mode): its hives are loaded and in use, so they cannot be
 * replaced by renames, and are written in place through the registry API. Before the first write, into the run's
 * quarantine: a {@code .reg} file that puts every old value back ({@code reg import}) and the whole hive as Windows
 * saves it ({@code reg save}). The values are read back through the API after the flush. {@code bootmedic undo} does
 * not reach these changes (its journal moves files); the report names the {@code reg import} that does.
 */
final class LiveRegistryRepairs {
    static final Duration SAVE_TIMEOUT = Duration.ofMinutes(5);

    private final RegistryApi api;
    private final CommandRunner tools;
    private final FileTree tree;
    private final Path root;

    LiveRegistryRepairs(RegistryApi api, CommandRunner tools, FileTree tree, Path root) {
        this.api = api;
        this.tools = tools;
        this.tree = tree;
        this.root = root;
    }

    List<ActionResult> apply(String runId, RepairRule.Hive which, List<RepairRule> rules, boolean dryRun) throws IOException {
        String name = which.name();
        String where = "HKLM\\" + name;
        List<ActionResult> results = new ArrayList<>();
        List<OsRegistryRepairs.Change> changes;
        boolean writing = false;
        Path undoFile = null;
        try (RegistryApi.Loaded hive = api.openLive(name)) {
            String controlSet = which == RepairRule.Hive.SYSTEM ? OsRegistryRepairs.currentControlSet(hive) : null;
            String set = controlSet == null ? "" : " (" + controlSet + ")";
            changes = OsRegistryRepairs.planAll(hive, controlSet, rules, where, results);
            if (changes.isEmpty()) {
                return results;
            }
            if (dryRun) {
                for (OsRegistryRepairs.Change c : changes) {
                    results.add(Outcomes.of(c.rule(), where + "\\" + c.key() + "\\" + c.value(), Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null,
                            c.was() + " -> " + c.becomes() + set + ", in the running Windows' registry"));
                }
                return results;
            }
            RelPath dir = SafePaths.ensureDirectories(tree, JournalStore.QUARANTINE_DIR.resolve(runId).resolve("registry"));
            RelPath undo = dir.resolve(name + "-undo.reg");
            RelPath saved = dir.resolve(name);
            for (RelPath p : List.of(undo, saved)) {
                if (SafePaths.resolve(tree, p).isPresent()) {
                    return Outcomes.failAll(rules, where, p + " exists already; bootmedic never overwrites. Nothing was changed");
                }
            }
            RegFile reg = new RegFile();
            for (OsRegistryRepairs.Change c : changes) {
                reg.value(name, c.key(), c.value(), hive.value(c.key(), c.value()).orElse(null));
            }
            tree.writeDurably(undo, reg.bytes());
            undoFile = root.resolve(undo.toString());
            List<String> save = List.of("reg.exe", "save", where, root.resolve(saved.toString()).toString());
            CommandRunner.Result r = tools.run(save, SAVE_TIMEOUT);
            if (r.exitCode() != 0 || SafePaths.resolve(tree, saved).isEmpty()) {
                return failChanges(results, changes, where, "the hive could not be saved before the change (" + String.join(" ", save) + " exited "
                        + r.exitCode() + ": " + DismOutput.error(r.output()) + "); nothing was changed");
            }
            writing = true;
            for (OsRegistryRepairs.Change c : changes) {
                hive.set(c.key(), c.value(), c.type(), c.data());
            }
            hive.flush();
            for (OsRegistryRepairs.Change c : changes) {
                Optional<RegistryApi.Value> now = hive.value(c.key(), c.value());
                if (now.isEmpty() || now.get().type() != c.type() || !Arrays.equals(now.get().data(), c.data())) {
                    return failChanges(results, changes, where, "Windows does not read " + c.key() + "\\" + c.value() + " back as written; "
                            + "to put the old values back: reg import " + undoFile);
                }
            }
            for (OsRegistryRepairs.Change c : changes) {
                results.add(Outcomes.of(c.rule(), where + "\\" + c.key() + "\\" + c.value(), Verdict.NEEDS_REPAIR, FileAction.REPAIRED, saved.toString(),
                        c.was() + " -> " + c.becomes() + set + ", in the running Windows' registry; to put it back: reg import " + undoFile));
            }
            return results;
        } catch (RegistryApi.RegistryApiException | IllegalArgumentException e) {
            String after = writing ? "; some values may be written: to put the old ones back, reg import " + undoFile : "; nothing was changed";
            return Outcomes.failAll(rules, where, e.getMessage() + after);
        }
    }

    private static List<ActionResult> failChanges(List<ActionResult> results, List<OsRegistryRepairs.Change> changes, String where, String why) {
        for (OsRegistryRepairs.Change c : changes) {
            results.add(Outcomes.failed(c.rule(), where, why));
        }
        return results;
    }
}
