package io.bootmedic.osrepair;

import io.bootmedic.fs.FileContents;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.FileReplacer;
import io.bootmedic.remediation.JournalStore;
import io.bootmedic.remediation.Quarantiner;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The registry rules of one hive through the registry API. The live hive is never opened by Windows: it and its logs
 * are copied to {@code bootmedic/os-work/<runId>/}, Windows loads the copy (replaying the logs as only it knows how),
 * the values are read, written and flushed there, and the hive unloaded. bootmedic's own reader then reads the copy back
 * (with its logs) and checks every value; only then do the copy and the logs Windows changed replace the originals, by
 * the journalled renames of {@link FileReplacer}: the old files into the quarantine byte for byte, so {@code undo} puts
 * them back as the offline writer's are.
 */
final class OsRegistryRepairs {
    static final RelPath CONFIG = RelPath.of("Windows/System32/config");
    static final RelPath WORK = JournalStore.BOOTMEDIC_DIR.resolve("os-work");
    static final List<String> LOGS = List.of(".LOG1", ".LOG2");
    /** A hive or log larger than this is not one (SYSTEM hives are tens of MB, SOFTWARE a few hundred at most). */
    static final long MAX_FILE = 1L << 30;

    private final RegistryApi api;
    private final FileTree tree;
    private final Path root;
    private final CrashPoint crash;

    /** One value a rule asks to change, with what it was. */
    record Change(RepairRule rule, String key, String value, int type, byte[] data, String was, String becomes) {
    }

    /** A file of the hive set (the hive or a log): where it is and its bytes before anything was done. */
    private record Original(String name, RelPath path, byte[] bytes) {
    }

    OsRegistryRepairs(RegistryApi api, FileTree tree, Path root, CrashPoint crash) {
        this.api = api;
        this.tree = tree;
        this.root = root;
        this.crash = crash;
    }

    List<ActionResult> apply(String runId, String playbookId, RepairRule.Hive which, List<RepairRule> rules, boolean dryRun) throws IOException {
        String name = which.name();
        Optional<RelPath> found = SafePaths.resolve(tree, CONFIG.resolve(name));
        if (found.isEmpty()) {
            return Outcomes.failAll(rules, CONFIG.resolve(name).toString(), "the " + name + " hive is not on this volume; nothing was changed");
        }
        RelPath hivePath = found.get();
        List<Original> originals = new ArrayList<>();
        originals.add(new Original(hivePath.name(), hivePath, read(hivePath)));
        for (String suffix : LOGS) {
            Optional<RelPath> log = SafePaths.resolve(tree, CONFIG.resolve(name + suffix));
            if (log.isPresent()) {
                originals.add(new Original(log.get().name(), log.get(), read(log.get())));
            }
        }
        if (dryRun) {
            return plan(hivePath, which, rules, originals);
        }
        RelPath work = SafePaths.ensureDirectories(tree, WORK.resolve(runId).resolve(name));
        try {
            for (Original o : originals) {
                tree.writeDurably(work.resolve(o.name()), o.bytes());
            }
            return loadAndEdit(runId, playbookId, which, rules, hivePath, originals, work);
        } finally {
            removeWork(work, originals);
        }
    }

    /** A dry run: bootmedic's reader plans, nothing is written (not even the copy Windows would load). */
    private List<ActionResult> plan(RelPath hivePath, RepairRule.Hive which, List<RepairRule> rules, List<Original> originals) throws IOException {
        List<ActionResult> results = new ArrayList<>();
        List<LogReplay.LogFile> logs = new ArrayList<>();
        for (int i = 1; i < originals.size(); i++) {
            logs.add(new LogReplay.LogFile(originals.get(i).name(), originals.get(i).bytes()));
        }
        try (ReadOnlyHive hive = ReadOnlyHive.read(tree.describe() + " " + hivePath, originals.get(0).bytes(), logs)) {
            String controlSet = which == RepairRule.Hive.SYSTEM ? currentControlSet(hive) : null;
            String set = controlSet == null ? "" : " (" + controlSet + ")";
            for (Change c : planAll(hive, controlSet, rules, hivePath.toString(), results)) {
                results.add(Outcomes.of(c.rule(), hivePath + "\\" + c.key() + "\\" + c.value(), Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null,
                        c.was() + " -> " + c.becomes() + set));
            }
        } catch (RegistryApi.RegistryApiException e) {
            return Outcomes.failAll(rules, hivePath.toString(), e.getMessage() + "; nothing was changed");
        }
        return results;
    }

    private List<ActionResult> loadAndEdit(String runId, String playbookId, RepairRule.Hive which, List<RepairRule> rules, RelPath hivePath,
                                           List<Original> originals, RelPath work) throws IOException {
        List<ActionResult> results = new ArrayList<>();
        List<Change> changes;
        Path copy = nativePath(work.resolve(hivePath.name()));
        String controlSet = null;
        try (RegistryApi.Loaded hive = api.load(copy, "bootmedic-" + runId.substring(0, Math.min(8, runId.length())) + "-" + which.name())) {
            if (which == RepairRule.Hive.SYSTEM) {
                controlSet = currentControlSet(hive);
            }
            changes = planAll(hive, controlSet, rules, hivePath.toString(), results);
            if (!changes.isEmpty()) {
                for (Change c : changes) {
                    hive.set(c.key(), c.value(), c.type(), c.data());
                }
                hive.flush();
            }
        } catch (RegistryApi.RegistryApiException e) {
            return Outcomes.failAll(rules, hivePath.toString(), e.getMessage() + "; nothing was changed");
        }
        String set = controlSet == null ? "" : " (" + controlSet + ")";
        if (changes.isEmpty()) {
            return results;
        }
        List<byte[]> written = new ArrayList<>();
        for (Original o : originals) {
            written.add(read(work.resolve(o.name())));
        }
        try {
            verify(hivePath.toString(), originals, written, changes);
        } catch (IOException e) {
            return failChanges(results, changes, hivePath, "Windows wrote the copy of the hive, but " + e.getMessage() + "; nothing was changed");
        }
        String ruleIds = String.join(",", changes.stream().map(c -> c.rule().id()).distinct().toList());
        FileReplacer replacer = new FileReplacer(tree, crash);
        String error = replacer.replace(runId, playbookId, ruleIds, hivePath, originals.get(0).bytes(), written.get(0), "registry hive");
        for (int i = 1; error == null && i < originals.size(); i++) {
            Original log = originals.get(i);
            if (!Arrays.equals(log.bytes(), written.get(i))) {
                String logError = replacer.replace(runId, playbookId, ruleIds, log.path(), log.bytes(), written.get(i), "registry hive log");
                if (logError != null) {
                    error = "the edited hive is in place, but its log " + log.name() + " was not replaced: " + logError;
                }
            }
        }
        for (Change c : changes) {
            results.add(Outcomes.of(c.rule(), hivePath + "\\" + c.key() + "\\" + c.value(), Verdict.NEEDS_REPAIR,
                    error == null ? FileAction.REPAIRED : FileAction.FAILED, error == null ? Quarantiner.quarantinePathFor(runId, hivePath).toString() : null,
                    error != null ? error : c.was() + " -> " + c.becomes() + set + ", written by Windows' registry API"));
        }
        return results;
    }

    private static List<ActionResult> failChanges(List<ActionResult> results, List<Change> changes, RelPath hivePath, String why) {
        for (Change c : changes) {
            results.add(Outcomes.failed(c.rule(), hivePath.toString(), why));
        }
        return results;
    }

    /** {@code Select\Current} names the control set Windows boots with: ControlSet00N. */
    static String currentControlSet(RegistryApi.Loaded hive) throws IOException {
        Optional<RegistryApi.Value> current = hive.keyExists("Select") ? hive.value("Select", "Current") : Optional.empty();
        if (current.isEmpty() || current.get().type() != RegistryData.REG_DWORD || current.get().data().length != 4) {
            throw new RegistryApi.RegistryApiException("the SYSTEM hive has no Select\\Current (a REG_DWORD), so its CurrentControlSet is unknown");
        }
        long n = Long.parseLong(RegistryData.show(RegistryData.REG_DWORD, current.get().data()));
        if (n < 1 || n > 999) {
            throw new RegistryApi.RegistryApiException("Select\\Current is " + n + ", not a control set number");
        }
        String set = String.format(Locale.ROOT, "ControlSet%03d", n);
        if (!hive.keyExists(set)) {
            throw new RegistryApi.RegistryApiException("Select\\Current names " + set + ", which the hive does not have");
        }
        return set;
    }

    /**
     * Plans every rule against the loaded hive: the changes to make are returned; a rule with nothing to change, or
     * one that cannot be applied as written (it alone fails), goes to {@code results}.
     */
    static List<Change> planAll(RegistryApi.Loaded hive, String controlSet, List<RepairRule> rules, String where, List<ActionResult> results)
            throws IOException {
        List<Change> changes = new ArrayList<>();
        for (RepairRule r : rules) {
            try {
                Object planned = plan(hive, controlSet, r);
                if (planned instanceof Change c) {
                    changes.add(c);
                } else {
                    results.add(Outcomes.notNeeded(r, where + "\\" + planned, null));
                }
            } catch (RuleRefusedException e) {
                results.add(Outcomes.failed(r, where, e.getMessage() + "; nothing was changed"));
            }
        }
        return changes;
    }

    /** The change a rule asks for, or (a String) the key or value it names when nothing is to change. */
    private static Object plan(RegistryApi.Loaded hive, String controlSet, RepairRule r) throws IOException {
        if (r instanceof RepairRule.DisableService d) {
            String key = controlSet + "\\Services\\" + d.service();
            if (!hive.keyExists(key)) {
                return key + " (no such service)";
            }
            byte[] want = RegistryData.dword(d.start());
            Optional<RegistryApi.Value> old = hive.value(key, "Start");
            if (old.isPresent() && RegistryData.same(old.get(), RegistryData.REG_DWORD, want)) {
                return key + "\\Start (already " + d.start() + ")";
            }
            return new Change(r, key, "Start", RegistryData.REG_DWORD, want, shown(old), Long.toString(d.start()));
        }
        if (r instanceof RepairRule.RemoveFilter f) {
            String key = controlSet + "\\Control\\Class\\" + f.classGuid();
            Optional<RegistryApi.Value> v = hive.keyExists(key) ? hive.value(key, f.list()) : Optional.empty();
            if (v.isEmpty() || v.get().type() != RegistryData.REG_MULTI_SZ || v.get().data().length > RegistryData.MAX_MULTI_SZ) {
                return key + "\\" + f.list() + " (absent)";
            }
            List<String> now = RegistryData.strings(v.get().data());
            List<String> kept = now.stream().filter(n -> !n.equalsIgnoreCase(f.name())).toList();
            if (kept.size() == now.size()) {
                return key + "\\" + f.list() + " (" + f.name() + " not in it)";
            }
            return new Change(r, key, f.list(), RegistryData.REG_MULTI_SZ, RegistryData.multiSz(kept), String.join(",", now), String.join(",", kept));
        }
        if (r instanceof RepairRule.SetRegistry s) {
            String key = s.key();
            if (key.regionMatches(true, 0, "CurrentControlSet", 0, 17) && (key.length() == 17 || key.charAt(17) == '\\')) {
                if (controlSet == null) {
                    throw new RuleRefusedException("CurrentControlSet is a SYSTEM hive key, not a " + s.hive() + " one");
                }
                key = controlSet + key.substring(17);
            }
            if (!hive.keyExists(key)) {
                throw new RuleRefusedException("key " + key + " does not exist (set-registry writes values of existing keys)");
            }
            byte[] data = RegistryData.encode(s.type(), s.data());
            Optional<RegistryApi.Value> old = hive.value(key, s.value());
            if (old.isPresent() && RegistryData.same(old.get(), s.type().code, data)) {
                return key + "\\" + s.value() + " (already " + RegistryData.show(s.type().code, data) + ")";
            }
            return new Change(r, key, s.value(), s.type().code, data, shown(old), RegistryData.show(s.type().code, data));
        }
        throw new IllegalStateException("not a registry rule: " + r);
    }

    private static String shown(Optional<RegistryApi.Value> v) {
        return v.isEmpty() ? "(absent)" : RegistryData.show(v.get().type(), v.get().data());
    }

    /** One rule that cannot be applied as written; the hive's other rules go on. */
    private static final class RuleRefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RuleRefusedException(String message) {
            super(message);
        }
    }

    /**
     * bootmedic's own reader, not the API that wrote it, reads the copy with the logs Windows left beside it: the hive
     * set must be one Windows will load, and every value as planned.
     */
    private static void verify(String what, List<Original> originals, List<byte[]> written, List<Change> changes) throws IOException {
        List<LogReplay.LogFile> logs = new ArrayList<>();
        for (int i = 1; i < originals.size(); i++) {
            logs.add(new LogReplay.LogFile(originals.get(i).name(), written.get(i)));
        }
        Hive back = Hive.open(new ByteArrayChannel(LogReplay.replay(what, written.get(0), logs, false).bytes()));
        for (Change c : changes) {
            Optional<HiveValue> v = back.key(c.key()).flatMap(k -> {
                try {
                    return k.value(c.value());
                } catch (IOException e) {
                    return Optional.empty();
                }
            });
            if (v.isEmpty() || v.get().type() != c.type() || !Arrays.equals(v.get().data(), c.data())) {
                throw new IOException("bootmedic's reader does not find " + c.key() + "\\" + c.value() + " in it as written");
            }
        }
    }

    private Path nativePath(RelPath p) {
        return root.resolve(p.toString());
    }

    /** The copies go once the originals are replaced or left alone; a copy that will not go is left for the admin, harmless. */
    private void removeWork(RelPath work, List<Original> originals) {
        String hive = originals.get(0).name();
        List<RelPath> files = new ArrayList<>();
        originals.forEach(o -> files.add(work.resolve(o.name())));
        files.add(work.resolve(hive + ".LOG1")); // logs Windows made for a copy that had none
        files.add(work.resolve(hive + ".LOG2"));
        for (RelPath f : files) {
            delete(f);
        }
        // the folders, innermost first, each only when empty (another hive of this run, or bootmedic's own files, keep them)
        for (RelPath dir = work; !dir.isRoot(); dir = dir.parent()) {
            delete(dir);
        }
    }

    private void delete(RelPath p) {
        try {
            Files.deleteIfExists(nativePath(p));
        } catch (IOException e) {
            // not empty, or held open: left behind, it changes nothing Windows reads
        }
    }

    private byte[] read(RelPath file) throws IOException {
        return FileContents.read(tree, file, MAX_FILE, "a hive or its log");
    }
}
