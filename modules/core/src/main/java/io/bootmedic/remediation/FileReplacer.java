package io.bootmedic.remediation;

import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.fs.UnsafePathException;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Replaces a file with a prepared one under the run's journal (an edited registry hive): the new bytes staged durably
 * under bootmedic/staged, then two journalled renames (the old file into the quarantine, the staged one into its place),
 * each checked by its hash. A run cut between them is finished by {@link JournalRecovery}; {@link Undo} takes both back.
 */
public final class FileReplacer {
    private final FileTree tree;
    private final CrashPoint crash;
    private final JournalStore journals;

    public FileReplacer(FileTree tree, CrashPoint crash) {
        this.tree = tree;
        this.crash = crash;
        this.journals = new JournalStore(tree);
    }

    /**
     * Stage, journal, rename, rename, commit. Everything refusable is refused before the journal exists: the staged
     * and quarantine paths must be free; the edited hive is durable before the first rename. Returns null or the error.
     */
    public String replace(String runId, String playbookId, String rules, RelPath hivePath, byte[] primary, byte[] edited, String what) throws IOException {
        RelPath quarantined = Quarantiner.quarantinePathFor(runId, hivePath);
        RelPath staged = StagedFiles.stagedPathFor(runId, hivePath);
        SafePaths.requireCreatable(tree, JournalStore.JOURNAL_DIR, "the journal");
        for (RelPath p : List.of(quarantined, staged)) {
            SafePaths.requireCreatable(tree, p.parent(), "bootmedic's folder");
            if (SafePaths.resolve(tree, p).isPresent()) {
                throw new UnsafePathException("'" + p + "' on " + tree.describe() + " exists already; bootmedic never overwrites. Nothing was changed.");
            }
        }
        String before = FileDigest.sha256(tree, hivePath);
        if (!before.equals(sha256(primary))) {
            return hivePath + " changed while it was being edited; nothing was changed. Run bootmedic again";
        }
        RelPath stagedDir = SafePaths.ensureDirectories(tree, staged.parent());
        tree.writeDurably(stagedDir.resolve(staged.name()), edited);
        FileTimes t = tree.stat(hivePath).map(FileStat::times).orElse(new FileTimes(null, null, null));
        JournalEntry out = new JournalEntry(rules, hivePath.toString(), quarantined.toString(), before, primary.length, str(t.created()),
                str(t.modified()), str(t.accessed()), "planned", what + ": the old one, byte for byte", JournalEntry.QUARANTINE);
        JournalEntry in = new JournalEntry(rules, hivePath.toString(), staged.toString(), sha256(edited), edited.length, null, null, null, "planned",
                what + ": the edited one", JournalEntry.INSTALL);
        // one journal per run: a run that quarantined files too adds the hive's two entries to it, so undo takes back both
        Journal earlier = journals.all().stream().filter(j -> j.runId().equals(runId)).findFirst().orElse(null);
        List<JournalEntry> entries = new ArrayList<>(earlier == null ? List.of() : earlier.entries());
        int first = entries.size();
        entries.add(out);
        entries.add(in);
        Journal journal = earlier == null ? new Journal(Journal.SCHEMA, runId, Instant.now().toString(), playbookId, Journal.IN_PROGRESS, null, entries)
                : earlier.withEntries(entries).withState(Journal.IN_PROGRESS, null);
        journals.write(journal);
        crash.reached(CrashPoint.AFTER_INTENT);
        String error = new Quarantiner(tree, crash).moveOne(out);
        journal = Quarantiner.replace(journal, first, out.withState(error == null ? "verified" : "failed", error));
        journals.write(journal);
        crash.reached(CrashPoint.AFTER_MOVE);
        if (error != null) {
            journals.write(journal.withState(Journal.COMMITTED, runId));
            return error;
        }
        error = StagedFiles.install(tree, in);
        journal = Quarantiner.replace(journal, first + 1, in.withState(error == null ? "verified" : "failed", error));
        crash.reached(CrashPoint.BEFORE_COMMIT);
        journals.write(error == null ? journal.withState(Journal.COMMITTED, runId) : journal);
        return error == null ? null : error + " (the old one is in " + quarantined + "; run bootmedic again to finish, or undo --run " + runId + ")";
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

}
