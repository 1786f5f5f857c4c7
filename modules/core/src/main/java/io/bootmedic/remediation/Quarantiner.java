package io.bootmedic.remediation;

import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.fs.UnsafePathException;
import io.bootmedic.report.FileAction;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves faulty files into {@code bootmedic/quarantine/<runId>/<original path>} on the same
 * volume: a rename (atomic, no copy), written ahead in the journal and verified after.
 */
public final class Quarantiner {
    private final FileTree tree;
    private final JournalStore journals;
    private final CrashPoint crash;

    public Quarantiner(FileTree tree, CrashPoint crash) {
        this.tree = tree;
        this.journals = new JournalStore(tree);
        this.crash = crash;
    }

    public static RelPath quarantinePathFor(String runId, RelPath original) {
        return JournalStore.QUARANTINE_DIR.resolve(runId).resolve(original);
    }

    public List<ActionResult> quarantine(String runId, String playbookId, List<Finding> faulty) throws IOException {
        List<JournalEntry> entries = new ArrayList<>();
        for (Finding f : faulty) {
            FileTimes t = f.times();
            entries.add(new JournalEntry(f.rule().id(), f.path().toString(), quarantinePathFor(runId, f.path()).toString(), f.sha256(), f.size(),
                    str(t.created()), str(t.modified()), str(t.accessed()), "planned", null));
        }
        // everything that can be refused without changing anything is refused before the journal exists
        SafePaths.requireCreatable(tree, JournalStore.JOURNAL_DIR, "the journal");
        for (JournalEntry e : entries) {
            RelPath target = RelPath.of(e.quarantinePath());
            SafePaths.requireCreatable(tree, target.parent(), "the quarantined file");
            if (SafePaths.resolve(tree, target).isPresent()) {
                throw new UnsafePathException("'" + target + "' on " + tree.describe() + " exists already; bootmedic never overwrites. Nothing was changed.");
            }
        }
        Journal journal = new Journal(Journal.SCHEMA, runId, Instant.now().toString(), playbookId, Journal.IN_PROGRESS, null, entries);
        journals.write(journal);
        crash.reached(CrashPoint.AFTER_INTENT);

        List<ActionResult> results = new ArrayList<>();
        for (int i = 0; i < faulty.size(); i++) {
            Finding f = faulty.get(i);
            JournalEntry entry = journal.entries().get(i);
            String error = moveOne(entry);
            crash.reached(CrashPoint.AFTER_MOVE);
            String state = error == null ? "verified" : "failed";
            journal = replace(journal, i, entry.withState(state, error));
            journals.write(journal);
            results.add(ActionResult.of(f, error == null ? FileAction.QUARANTINED : FileAction.FAILED, error == null ? entry.quarantinePath() : null, error));
        }
        crash.reached(CrashPoint.BEFORE_COMMIT);
        journals.write(journal.withState(Journal.COMMITTED, runId));
        return results;
    }

    /** Moves one file and proves it arrived intact; returns null or what went wrong. */
    String moveOne(JournalEntry entry) throws IOException {
        RelPath source = RelPath.of(entry.path());
        RelPath target = RelPath.of(entry.quarantinePath());
        // the file may have changed between scan and now; never quarantine something we did not inspect
        if (!FileDigest.sha256(tree, source).equals(entry.sha256())) {
            return "the file changed after it was inspected; left in place. Run bootmedic again.";
        }
        RelPath targetDir = SafePaths.ensureDirectories(tree, target.parent());
        RelPath finalTarget = targetDir.resolve(target.name());
        tree.move(source, finalTarget);
        if (SafePaths.resolve(tree, source).isPresent()) {
            return "the file is still at its original path after the move";
        }
        if (!FileDigest.sha256(tree, finalTarget).equals(entry.sha256())) {
            return "the quarantined copy does not have the recorded SHA-256";
        }
        return null;
    }

    static Journal replace(Journal journal, int index, JournalEntry entry) {
        List<JournalEntry> entries = new ArrayList<>(journal.entries());
        entries.set(index, entry);
        return journal.withEntries(entries);
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }
}
