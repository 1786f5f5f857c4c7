package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.report.FileAction;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finishes runs that a power cut or crash interrupted, using where each file really is: a file
 * still in place is moved now, one already in quarantine is verified, and the journal is committed.
 */
public final class JournalRecovery {
    private final FileTree tree;
    private final JournalStore journals;
    private final Quarantiner quarantiner;

    public JournalRecovery(FileTree tree) {
        this.tree = tree;
        this.journals = new JournalStore(tree);
        this.quarantiner = new Quarantiner(tree, CrashPoint.NONE);
    }

    /** Completes every interrupted journal; {@code runId} is this run, recorded as the one that finished them. */
    public List<ActionResult> completeInterrupted(String runId) throws IOException {
        List<ActionResult> results = new ArrayList<>();
        for (Journal journal : journals.interrupted()) {
            boolean allSettled = true;
            for (int i = 0; i < journal.entries().size(); i++) {
                JournalEntry entry = journal.entries().get(i);
                if ("failed".equals(entry.state()) || "skipped".equals(entry.state())) {
                    continue;
                }
                JournalEntry updated = complete(entry);
                journal = Quarantiner.replace(journal, i, updated);
                switch (updated.state()) {
                    case "verified" -> results.add(ActionResult.of(updated, FileAction.QUARANTINED, null));
                    case "skipped" -> { }
                    default -> {
                        allSettled = false;
                        results.add(ActionResult.of(updated, FileAction.FAILED, "interrupted run " + journal.runId() + ": " + updated.note()));
                    }
                }
            }
            journals.write(allSettled ? journal.withState(Journal.COMMITTED, runId) : journal);
        }
        return results;
    }

    private JournalEntry complete(JournalEntry entry) throws IOException {
        if (entry.install()) {
            // for an install, "original" is the live path (done) and "quarantine" the staged file (not yet put in place)
            return switch (FileLocation.of(tree, entry)) {
                case ORIGINAL -> entry.withState("verified", "found in place after an interrupted run");
                case QUARANTINE -> {
                    String error = StagedFiles.install(tree, entry);
                    yield error == null ? entry.withState("verified", "put in place when resuming an interrupted run") : entry.withState("failed", error);
                }
                case QUARANTINE_AND_NEW_ORIGINAL, ORIGINAL_CHANGED, BOTH -> entry.withState("failed", "another file is at " + entry.path()
                        + "; the prepared one stays at " + entry.quarantinePath() + ". Nothing was overwritten; check by hand");
                case NOWHERE -> entry.withState("failed", "the prepared file is neither at " + entry.path() + " nor at " + entry.quarantinePath());
            };
        }
        return switch (FileLocation.of(tree, entry)) {
            case QUARANTINE, QUARANTINE_AND_NEW_ORIGINAL -> entry.withState("verified", "found in quarantine after an interrupted run");
            case ORIGINAL -> {
                String error = quarantiner.moveOne(entry);
                yield error == null ? entry.withState("verified", "moved when resuming an interrupted run") : entry.withState("failed", error);
            }
            case ORIGINAL_CHANGED -> entry.withState("skipped", "the file at the original path was replaced after the interrupted run; it is inspected afresh");
            case BOTH -> entry.withState("failed", "the file is both at its original path and in quarantine; nothing was changed, check by hand");
            case NOWHERE -> entry.withState("failed", "the file is neither at " + entry.path() + " nor in " + entry.quarantinePath()
                    + "; something else removed it. Check the volume by hand");
        };
    }
}
