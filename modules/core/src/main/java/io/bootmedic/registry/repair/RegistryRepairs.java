package io.bootmedic.registry.repair;

import io.bootmedic.fs.FileContents;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveKey;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.registry.edit.HiveEditor;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.registry.edit.RecoveredHive;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.FileReplacer;
import io.bootmedic.remediation.Quarantiner;
import io.bootmedic.remediation.Repairs;
import io.bootmedic.remediation.RuleConditions;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Applies a playbook's registry rules to an offline Windows volume (issue 25). A hive is never written in place: its
 * transaction logs are replayed in memory, the edits made there, the result re-read and checked, and written as a new
 * file under bootmedic/staged; then the journal records two renames (the old hive into the quarantine, the edited one
 * into its place) and they are made. The logs stay as they are: the edited hive's sequence numbers are above all of
 * theirs, so Windows replays nothing over the edit. Undo renames them back, byte for byte.
 */
public final class RegistryRepairs implements Repairs {
    static final RelPath CONFIG = RelPath.of("Windows/System32/config");
    /** The largest hive read: SYSTEM hives are tens of MB; SOFTWARE a few hundred at most. */
    static final long MAX_HIVE = 1L << 30;

    private FileTree tree;
    private CrashPoint crash;

    /** One registry change a rule asks for, resolved against the hive. */
    private record Change(RepairRule rule, String key, String value, int type, byte[] data, String was, String becomes) {
    }

    @Override
    public List<ActionResult> apply(FileTree target, CrashPoint crashPoint, String runId, String playbookId, List<RepairRule> rules, boolean dryRun)
            throws IOException {
        this.tree = target;
        this.crash = crashPoint;
        List<ActionResult> results = new ArrayList<>();
        Map<RepairRule.Hive, List<RepairRule>> byHive = new LinkedHashMap<>();
        for (RepairRule r : rules) {
            if (r.needsWindows()) {
                results.add(result(r, "-", Verdict.NEEDS_REPAIR, FileAction.NOT_DONE_HERE, null,
                        "needs Windows (DISM): run bootmedic in WinPE, WinRE or safe mode for this rule; nothing was changed"));
            } else if (r instanceof RepairRule.SafeMode || r instanceof RepairRule.BootStatusPolicy) {
                results.add(result(r, "EFI/Microsoft/Boot/BCD", Verdict.NEEDS_REPAIR, FileAction.NOT_DONE_HERE, null,
                        "no EFI system partition with a Windows boot configuration was found on this target (a BIOS disk's Boot/BCD is not written by this route yet); nothing was changed"));
            } else if (!when(r)) {
                results.add(result(r, String.valueOf(r.when().file()), Verdict.NOT_NEEDED, FileAction.KEPT, null,
                        "its 'when' does not hold here: " + describe(r.when())));
            } else {
                byHive.computeIfAbsent(hiveOf(r), h -> new ArrayList<>()).add(r);
            }
        }
        for (Map.Entry<RepairRule.Hive, List<RepairRule>> e : byHive.entrySet()) {
            results.addAll(applyToHive(runId, playbookId, e.getKey(), e.getValue(), dryRun));
        }
        return results;
    }

    private static RepairRule.Hive hiveOf(RepairRule r) {
        return r instanceof RepairRule.SetRegistry s ? s.hive() : RepairRule.Hive.SYSTEM;
    }

    private boolean when(RepairRule r) throws IOException {
        return RuleConditions.holds(tree, r.when());
    }

    private static String describe(RepairRule.When w) {
        return RuleConditions.describe(w);
    }

    private List<ActionResult> applyToHive(String runId, String playbookId, RepairRule.Hive which, List<RepairRule> rules, boolean dryRun)
            throws IOException {
        String name = which.name();
        Optional<RelPath> found = SafePaths.resolve(tree, CONFIG.resolve(name));
        if (found.isEmpty()) {
            return failAll(rules, CONFIG.resolve(name).toString(), "the " + name + " hive is not on this volume; nothing was changed");
        }
        RelPath hivePath = found.get();
        byte[] primary = read(hivePath);
        List<LogReplay.LogFile> logs = new ArrayList<>();
        for (String suffix : List.of(".LOG1", ".LOG2")) {
            Optional<RelPath> log = SafePaths.resolve(tree, CONFIG.resolve(name + suffix));
            if (log.isPresent()) {
                logs.add(new LogReplay.LogFile(log.get().name(), read(log.get())));
            }
        }
        RecoveredHive recovered;
        Hive hive;
        List<Change> changes = new ArrayList<>();
        List<ActionResult> results = new ArrayList<>();
        String controlSet;
        try {
            recovered = LogReplay.replay(tree.describe() + " " + hivePath, primary, logs, false);
            hive = Hive.open(new ByteArrayChannel(recovered.bytes()));
            controlSet = which == RepairRule.Hive.SYSTEM ? currentControlSet(hive) : null;
            for (RepairRule r : rules) {
                Object planned = plan(hive, controlSet, r);
                if (planned instanceof Change c) {
                    changes.add(c);
                } else {
                    results.add(result(r, hivePath + "\\" + planned, Verdict.NOT_NEEDED, FileAction.KEPT, null, (String) null));
                }
            }
        } catch (IOException e) {
            // a hive or log that cannot be trusted: refused, with nothing written
            return failAll(rules, hivePath.toString(), e.getMessage() + "; nothing was changed");
        }
        if (changes.isEmpty()) {
            return results;
        }
        if (dryRun) {
            for (Change c : changes) {
                results.add(result(c.rule(), hivePath + "\\" + c.key() + "\\" + c.value(), Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null,
                        c.was() + " -> " + c.becomes()));
            }
            return results;
        }
        byte[] edited;
        try {
            HiveEditor editor = HiveEditor.open(recovered);
            for (Change c : changes) {
                editor.setValue(c.key(), c.value(), c.type(), c.data());
            }
            edited = editor.finish();
            verify(edited, changes);
        } catch (IOException e) {
            return failAll(rules, hivePath.toString(), "the edit could not be made safely (" + e.getMessage() + "); nothing was changed");
        }
        String ruleIds = String.join(",", changes.stream().map(c -> c.rule().id()).distinct().toList());
        String error = new FileReplacer(tree, crash).replace(runId, playbookId, ruleIds, hivePath, primary, edited, "registry hive");
        for (Change c : changes) {
            results.add(result(c.rule(), hivePath + "\\" + c.key() + "\\" + c.value(), Verdict.NEEDS_REPAIR, error == null ? FileAction.REPAIRED : FileAction.FAILED,
                    error == null ? Quarantiner.quarantinePathFor(runId, hivePath).toString() : null, error != null ? error : c.was() + " -> " + c.becomes()));
        }
        return results;
    }

    /** The change a rule asks for, or (a String) the key or value it names when nothing is to change. */
    private static Object plan(Hive hive, String controlSet, RepairRule r) throws IOException {
        if (r instanceof RepairRule.DisableService d) {
                String key = controlSet + "\\Services\\" + d.service();
                Optional<HiveKey> k = hive.key(key);
                if (k.isEmpty()) {
                    return key + " (no such service)";
                }
                return dword(hive, r, key, "Start", d.start());
        }
        if (r instanceof RepairRule.RemoveFilter f) {
                String key = controlSet + "\\Control\\Class\\" + f.classGuid();
                Optional<HiveValue> v = hive.key(key).flatMap(k -> value(k, f.list()));
                if (v.isEmpty() || v.get().type() != HiveValue.REG_MULTI_SZ) {
                    return key + "\\" + f.list() + " (absent)";
                }
                List<String> now = v.get().asStrings();
                List<String> kept = now.stream().filter(n -> !n.equalsIgnoreCase(f.name())).toList();
                if (kept.size() == now.size()) {
                    return key + "\\" + f.list() + " (" + f.name() + " not in it)";
                }
                return new Change(r, key, f.list(), HiveValue.REG_MULTI_SZ, multiSz(kept), String.join(",", now), String.join(",", kept));
        }
        if (r instanceof RepairRule.SetRegistry s) {
                String key = s.key();
                if (key.regionMatches(true, 0, "CurrentControlSet", 0, "CurrentControlSet".length())
                        && (key.length() == 17 || key.charAt(17) == '\\')) {
                    if (controlSet == null) {
                        throw new IOException("CurrentControlSet is a SYSTEM hive key, not " + s.hive());
                    }
                    key = controlSet + key.substring(17);
                }
                if (hive.key(key).isEmpty()) {
                    throw new IOException("key " + key + " does not exist (set-registry writes values of existing keys)");
                }
                byte[] data = encode(s.type(), s.data());
                Optional<HiveValue> old = hive.key(key).flatMap(k -> value(k, s.value()));
                if (old.isPresent() && old.get().type() == s.type().code && java.util.Arrays.equals(old.get().data(), data)) {
                    return key + "\\" + s.value() + " (already " + show(s.type().code, data) + ")";
                }
                return new Change(r, key, s.value(), s.type().code, data, old.isEmpty() ? "(absent)" : show(old.get().type(), old.get().data()),
                        show(s.type().code, data));
            }
            throw new IllegalStateException("not a registry rule: " + r);
    }

    private static Object dword(Hive hive, RepairRule r, String key, String value, long want) throws IOException {
        byte[] data = encode(RepairRule.ValueType.REG_DWORD, want);
        Optional<HiveValue> old = hive.key(key).flatMap(k -> value(k, value));
        if (old.isPresent() && old.get().type() == HiveValue.REG_DWORD && java.util.Arrays.equals(old.get().data(), data)) {
            return key + "\\" + value + " (already " + want + ")";
        }
        return new Change(r, key, value, HiveValue.REG_DWORD, data, old.isEmpty() ? "(absent)" : show(old.get().type(), old.get().data()), Long.toString(want));
    }

    private static Optional<HiveValue> value(HiveKey k, String name) {
        try {
            return k.value(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code Select\Current} names the control set Windows boots with: ControlSet00N. */
    static String currentControlSet(Hive hive) throws IOException {
        Optional<HiveValue> current = hive.key("Select").flatMap(k -> value(k, "Current"));
        if (current.isEmpty() || current.get().type() != HiveValue.REG_DWORD) {
            throw new IOException("the SYSTEM hive has no Select\\Current, so its CurrentControlSet is unknown");
        }
        long n = current.get().asLong();
        if (n < 1 || n > 999) {
            throw new IOException("Select\\Current is " + n + ", not a control set number");
        }
        String set = String.format(Locale.ROOT, "ControlSet%03d", n);
        if (hive.key(set).isEmpty()) {
            throw new IOException("Select\\Current names " + set + ", which the hive does not have");
        }
        return set;
    }

    static byte[] encode(RepairRule.ValueType type, Object data) {
        return switch (type) {
            case REG_DWORD -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (long) (Long) data).array();
            case REG_QWORD -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((Long) data).array();
            case REG_SZ, REG_EXPAND_SZ -> ((String) data + "\0").getBytes(StandardCharsets.UTF_16LE);
            case REG_MULTI_SZ -> {
                @SuppressWarnings("unchecked")
                List<String> l = (List<String>) data;
                yield multiSz(l);
            }
        };
    }

    static byte[] multiSz(List<String> strings) {
        StringBuilder sb = new StringBuilder();
        strings.forEach(s -> sb.append(s).append('\0'));
        sb.append('\0');
        return sb.toString().getBytes(StandardCharsets.UTF_16LE);
    }

    private static String show(int type, byte[] data) {
        if ((type == HiveValue.REG_DWORD && data.length == 4) || (type == HiveValue.REG_QWORD && data.length == 8)) {
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            return Long.toString(data.length == 4 ? Integer.toUnsignedLong(b.getInt()) : b.getLong());
        }
        if (type == HiveValue.REG_SZ || type == HiveValue.REG_EXPAND_SZ || type == HiveValue.REG_MULTI_SZ) {
            String s = new String(data, StandardCharsets.UTF_16LE);
            return "\"" + s.replaceAll("\0+$", "").replace('\0', ',') + "\"";
        }
        return "type " + type + ", " + data.length + " bytes " + HexFormat.of().formatHex(data, 0, Math.min(16, data.length));
    }

    /** The edited hive, read back by the reader (not the editor): every change there as planned. */
    private static void verify(byte[] edited, List<Change> changes) throws IOException {
        Hive back = Hive.open(new ByteArrayChannel(edited));
        if (back.dirty()) {
            throw new IOException("the edited hive reads as dirty");
        }
        for (Change c : changes) {
            Optional<HiveValue> v = back.key(c.key()).flatMap(k -> value(k, c.value()));
            if (v.isEmpty() || v.get().type() != c.type() || !java.util.Arrays.equals(v.get().data(), c.data())) {
                throw new IOException("the edited hive does not hold " + c.key() + "\\" + c.value() + " as written");
            }
        }
    }

    private byte[] read(RelPath file) throws IOException {
        return FileContents.read(tree, file, MAX_HIVE, "a hive");
    }

    private List<ActionResult> failAll(List<RepairRule> rules, String path, String why) {
        return rules.stream().map(r -> result(r, path, Verdict.NEEDS_REPAIR, FileAction.FAILED, null, why)).toList();
    }

    /** A failure's words go to the report's error; anything else's (old and new value, why not needed) to its detail. */
    private static ActionResult result(RepairRule r, String path, Verdict verdict, FileAction action, String quarantine, String detail) {
        boolean bad = action == FileAction.FAILED || action == FileAction.NOT_DONE_HERE;
        return new ActionResult(r.id(), path, 0, null, null, verdict, action, quarantine, bad ? detail : null, bad ? null : detail);
    }
}
