package io.bootmedic.osrepair;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.platform.windows.BcdEnum;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.JournalStore;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code safe-mode} and {@code boot-status-policy} through bcdedit, on the {@code {default}} entry of the boot
 * configuration that starts the Windows being repaired. On that running Windows (safe mode) it is the system store;
 * from WinPE it is a store file ({@link BcdStores}), the one whose {@code {default}} names the volume's drive letter as
 * its {@code osdevice} (no guess when none or several do). Before the first change the store is copied into the
 * run's quarantine on the Windows volume; the report gives the old value and the bcdedit command that puts it back
 * ({@code bootmedic undo} does not: the store is on another volume than the journal).
 */
final class BcdRepairs {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final String STORE_COPY = "bcd-store";
    static final long MAX_STORE = 16L << 20;

    private final CommandRunner runner;
    private final BcdStores stores;
    private final StoreFiles files;

    /** Reads a store file for its copy; a seam because Windows holds the system store's file open (WinRE). */
    interface StoreFiles {
        byte[] read(Path store) throws IOException;
    }

    BcdRepairs(CommandRunner runner, BcdStores stores) {
        this(runner, stores, BcdRepairs::readStore);
    }

    BcdRepairs(CommandRunner runner, BcdStores stores, StoreFiles files) {
        this.runner = runner;
        this.stores = stores;
        this.files = files;
    }

    static byte[] readStore(Path store) throws IOException {
        long size = Files.size(store);
        if (size > MAX_STORE) {
            throw new IOException(store + " is " + size + " bytes, more than a boot configuration has");
        }
        return Files.readAllBytes(store);
    }

    /** The element and the value a rule wants, spelt as Microsoft's bcdedit documentation does; a null value removes the element. */
    private record Wanted(String element, String value) {
    }

    static Wanted wanted(RepairRule r) {
        if (r instanceof RepairRule.SafeMode s) {
            return new Wanted("safeboot", s.mode().equals("off") ? null : s.mode());
        }
        return new Wanted("bootstatuspolicy", ((RepairRule.BootStatusPolicy) r).policy());
    }

    List<ActionResult> apply(List<RepairRule> rules, FileTree tree, Path root, boolean live, String runId, boolean dryRun) throws IOException {
        if (rules.isEmpty()) {
            return List.of();
        }
        if (live) {
            return applyTo(rules, null, tree, runId, dryRun);
        }
        BcdStores.Found located;
        try {
            located = stores.find();
        } catch (IOException e) {
            String why = "the machine's boot configuration could not be looked for: " + e.getMessage() + "; nothing was changed";
            return rules.stream().map(r -> Outcomes.of(r, "BCD", Verdict.NEEDS_REPAIR, FileAction.NOT_DONE_HERE, null, why)).toList();
        }
        try (BcdStores.Found found = located) {
            Object chosen = choose(found.stores(), root);
            if (chosen instanceof String why) {
                return rules.stream().map(r -> Outcomes.of(r, "BCD", Verdict.NEEDS_REPAIR, FileAction.NOT_DONE_HERE, null, why)).toList();
            }
            return applyTo(rules, (Path) chosen, tree, runId, dryRun);
        }
    }

    /** The store whose {@code {default}} boots the Windows at {@code root}, or (a String) why none can be named. */
    Object choose(List<Path> candidates, Path root) throws IOException {
        String letter = driveLetter(root);
        if (candidates.isEmpty()) {
            return "no boot configuration (\\EFI\\Microsoft\\Boot\\BCD on an EFI system partition, or \\Boot\\BCD) was found on this machine's fixed "
                    + "disks; nothing was changed";
        }
        if (letter == null) {
            return root + " has no drive letter, so which boot configuration starts it cannot be told; give the volume a letter (diskpart: assign) "
                    + "and run again. Nothing was changed";
        }
        List<Path> booting = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Path store : candidates) {
            BcdEnum.Entry entry = defaultEntry(store);
            String osdevice = entry == null ? null : entry.value("osdevice");
            seen.add(store + ": " + (osdevice == null ? "no {default} osdevice" : osdevice));
            if (osdevice != null && osdevice.equalsIgnoreCase("partition=" + letter)) {
                booting.add(store);
            }
        }
        if (booting.size() != 1) {
            return (booting.isEmpty() ? "no" : booting.size()) + " boot configuration(s) start the Windows on " + letter + " ({default} osdevice "
                    + "partition=" + letter + "); found " + String.join("; ", seen) + ". Nothing was changed; set it by hand with bcdedit /store";
        }
        return booting.get(0);
    }

    /** "D:" for D:\, or null for a folder mount point. */
    static String driveLetter(Path root) {
        String r = root.toString();
        if ((r.length() == 2 || (r.length() == 3 && (r.charAt(2) == '\\' || r.charAt(2) == '/'))) && Character.isLetter(r.charAt(0)) && r.charAt(1) == ':') {
            return Character.toUpperCase(r.charAt(0)) + ":";
        }
        return null;
    }

    private BcdEnum.Entry defaultEntry(Path store) throws IOException {
        List<String> cmd = command(store, "/enum", "{default}");
        CommandRunner.Result r = runner.run(cmd, TIMEOUT);
        if (r.exitCode() != 0) {
            return null;
        }
        List<BcdEnum.Entry> entries;
        try {
            entries = BcdEnum.parse(r.output());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return entries.size() == 1 ? entries.get(0) : null;
    }

    private List<ActionResult> applyTo(List<RepairRule> rules, Path store, FileTree tree, String runId, boolean dryRun) throws IOException {
        String where = store == null ? "BCD (the system store)" : store.toString();
        List<ActionResult> results = new ArrayList<>();
        RelPath copied = null;
        for (RepairRule r : rules) {
            Wanted want = wanted(r);
            BcdEnum.Entry entry = defaultEntry(store);
            if (entry == null) {
                results.add(Outcomes.failed(r, where, "bcdedit could not read the {default} entry of " + where + " (" + String.join(" ", command(store,
                        "/enum", "{default}")) + "); nothing was changed"));
                continue;
            }
            String old = entry.value(want.element());
            String change = want.element() + ": " + (old == null ? "(absent)" : old) + " -> " + (want.value() == null ? "(absent)" : want.value());
            if (old == null ? want.value() == null : old.equalsIgnoreCase(want.value())) {
                results.add(Outcomes.notNeeded(r, where, want.element() + " is already " + (old == null ? "absent" : old)));
                continue;
            }
            if (dryRun) {
                results.add(Outcomes.of(r, where, Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null, change));
                continue;
            }
            if (copied == null) {
                try {
                    copied = backUp(store, tree, runId);
                } catch (IOException e) {
                    results.add(Outcomes.failed(r, where, "the store could not be copied before the change (" + e.getMessage() + "); nothing was changed"));
                    continue;
                }
            }
            List<String> cmd = want.value() == null ? command(store, "/deletevalue", "{default}", want.element())
                    : command(store, "/set", "{default}", want.element(), want.value());
            CommandRunner.Result done = runner.run(cmd, TIMEOUT);
            BcdEnum.Entry after = done.exitCode() == 0 ? defaultEntry(store) : null;
            String now = after == null ? null : after.value(want.element());
            boolean holds = after != null && (now == null ? want.value() == null : now.equalsIgnoreCase(want.value()));
            if (!holds) {
                results.add(Outcomes.failed(r, where, "bcdedit did not make the change (" + String.join(" ", cmd) + " exited " + done.exitCode() + ": "
                        + DismOutput.error(done.output()) + "); the store as it was is in " + copied));
                continue;
            }
            List<String> back = old == null ? command(store, "/deletevalue", "{default}", want.element())
                    : command(store, "/set", "{default}", want.element(), want.element().equals("safeboot") ? old.toLowerCase(Locale.ROOT) : old);
            results.add(Outcomes.of(r, where, Verdict.NEEDS_REPAIR, FileAction.REPAIRED, copied.toString(), change + "; to put it back: "
                    + String.join(" ", back)));
        }
        return results;
    }

    /** The store as it is, into the run's quarantine on the Windows volume: a file store by copy, the system store by bcdedit /export. */
    private RelPath backUp(Path store, FileTree tree, String runId) throws IOException {
        RelPath dir = JournalStore.QUARANTINE_DIR.resolve(runId).resolve(STORE_COPY);
        RelPath made = SafePaths.ensureDirectories(tree, dir);
        RelPath copy = made.resolve("BCD");
        if (SafePaths.resolve(tree, copy).isPresent()) {
            throw new IOException(copy + " exists already; bootmedic never overwrites");
        }
        byte[] bytes = null;
        IOException unreadable = null;
        if (store != null) {
            try {
                bytes = files.read(store);
            } catch (IOException e) {
                unreadable = e;
            }
        }
        if (bytes == null && store != null && !isSystemStore(store)) {
            throw unreadable;
        }
        if (bytes == null) {
            // the system store (safe mode; in WinRE the store found on the ESP, which Windows holds open): bcdedit exports it
            if (!(tree instanceof io.bootmedic.fs.LocalFileTree local)) {
                throw new IOException("the system store can only be exported to a volume Windows mounted");
            }
            Path target = local.root().resolve(copy.toString());
            List<String> cmd = List.of("bcdedit", "/export", target.toString());
            CommandRunner.Result r = runner.run(cmd, TIMEOUT);
            if (r.exitCode() != 0 || SafePaths.resolve(tree, copy).isEmpty()) {
                throw new IOException(String.join(" ", cmd) + " exited " + r.exitCode() + ": " + DismOutput.error(r.output()));
            }
            return copy;
        }
        tree.writeDurably(copy, bytes);
        return copy;
    }

    /**
     * Whether the store file is the system store (WinRE, started by the machine's own boot manager): its {default}
     * reads the same through /store and without. Only then may bcdedit /export, which copies the system store, copy it.
     */
    private boolean isSystemStore(Path store) throws IOException {
        CommandRunner.Result system = runner.run(command(null, "/enum", "{default}"), TIMEOUT);
        BcdEnum.Entry named = defaultEntry(store);
        if (system.exitCode() != 0 || named == null) {
            return false;
        }
        try {
            List<BcdEnum.Entry> entries = BcdEnum.parse(system.output());
            return entries.size() == 1 && entries.get(0).elements().equals(named.elements());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static List<String> command(Path store, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("bcdedit");
        if (store != null) {
            cmd.add("/store");
            cmd.add(store.toString());
        }
        cmd.addAll(List.of(args));
        return cmd;
    }
}
