package io.bootmedic.boot;

import io.bootmedic.fs.FileContents;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.BootStores;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.FileReplacer;
import io.bootmedic.remediation.JournalRecovery;
import io.bootmedic.remediation.JournalStore;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.remediation.Quarantiner;
import io.bootmedic.remediation.SystemPartition;
import io.bootmedic.remediation.Undo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A BIOS machine's store, {@code Boot/BCD} on an NTFS volume bootmedic opened (the "System Reserved" partition, or the
 * Windows volume when there is none): edited in memory and put in place as a registry hive is, by two journalled
 * renames on that volume ({@link FileReplacer}); its journal lives there, so the volume's own undo takes it back.
 */
public final class TreeBootStore implements SystemPartition, BootStores {
    static final RelPath STORE = RelPath.of("Boot/BCD");
    private final FileTree tree;
    private final RelPath store;
    private final String volumeId;
    private final String label;
    private final CrashPoint crash;

    /** The service-loader instance: only finds stores. */
    public TreeBootStore() {
        this(null, null, null, null, CrashPoint.NONE);
    }

    private TreeBootStore(FileTree tree, RelPath store, String volumeId, String label, CrashPoint crash) {
        this.tree = tree;
        this.store = store;
        this.volumeId = volumeId;
        this.label = label;
        this.crash = crash;
    }

    @Override
    public Optional<SystemPartition> onVolume(OpenedVolume volume, CrashPoint crashPoint) throws IOException {
        if (volume.locked()) {
            return Optional.empty();
        }
        Optional<RelPath> found = SafePaths.resolve(volume.tree(), STORE);
        if (found.isEmpty() || !volume.tree().stat(found.get()).map(FileStat::isFile).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(new TreeBootStore(volume.tree(), found.get(), volume.volumeId() + ":bcd", volume.label() + " (" + found.get() + ")",
                crashPoint));
    }

    @Override
    public String volumeId() {
        return volumeId;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String fileSystem() {
        return "NTFS";
    }

    @Override
    public List<ActionResult> apply(String runId, String playbookId, List<RepairRule> rules, boolean dryRun) throws IOException {
        String note = null;
        if (!dryRun && !new JournalStore(tree).interrupted().isEmpty()) {
            // a system partition is not a Windows volume, so the engine's own recovery does not visit it
            new JournalRecovery(tree).completeInterrupted(runId);
            note = "an interrupted run on this volume was finished first";
        }
        byte[] primary = read(store);
        List<LogReplay.LogFile> logs = new ArrayList<>();
        for (String suffix : List.of(".LOG", ".LOG1", ".LOG2")) {
            Optional<RelPath> log = SafePaths.resolve(tree, RelPath.of(store + suffix));
            if (log.isPresent() && tree.stat(log.get()).map(FileStat::isFile).orElse(false)) {
                logs.add(new LogReplay.LogFile(log.get().name(), read(log.get())));
            }
        }
        BcdEdit edit = BcdEdit.make(label, store.toString(), primary, logs, rules, dryRun, note);
        if (edit.edited == null) {
            return edit.results;
        }
        if (tree.isReadOnly()) {
            return edit.refuse(tree.describe() + " is read-only; nothing was changed");
        }
        String error = new FileReplacer(tree, crash).replace(runId, playbookId, edit.ruleIds(), store, primary, edit.edited, "boot configuration store");
        return edit.done(error == null ? Quarantiner.quarantinePathFor(runId, store).toString() : null, error);
    }

    /** The volume's own undo (every opened volume's journal) takes the store back; nothing separate here. */
    @Override
    public Undo.Result undo(String runId) {
        return new Undo.Result(null, List.of(), null);
    }

    private byte[] read(RelPath file) throws IOException {
        return FileContents.read(tree, file, EspBootStore.MAX_STORE, "a boot configuration store");
    }
}
