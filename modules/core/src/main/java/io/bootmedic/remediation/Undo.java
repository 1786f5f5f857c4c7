package io.bootmedic.remediation;

import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Puts quarantined files back where they were, with their bytes and times. */
public final class Undo {
    private final FileTree tree;
    private final JournalStore journals;

    public Undo(FileTree tree) {
        this.tree = tree;
        this.journals = new JournalStore(tree);
    }

    /** What happened to one file. {@code outcome} is restored, already-in-place, kept-in-quarantine or failed. */
    public record Restored(String path, String outcome, String detail) {
        public boolean ok() {
            return outcome.equals("restored") || outcome.equals("already-in-place");
        }
    }

    /** The result for one volume; {@code runId} is null when there was nothing to undo. */
    public record Result(String runId, List<Restored> files, String message) {
        public boolean ok() {
            return files.stream().allMatch(Restored::ok);
        }
    }

    /** Undoes {@code runId}, or the newest run not yet undone when it is null. */
    public Result undo(String runId) throws IOException {
        List<Journal> all = journals.all();
        Optional<Journal> chosen;
        if (runId != null) {
            chosen = all.stream().filter(j -> j.runId().equalsIgnoreCase(runId)).findFirst();
            if (chosen.isEmpty()) {
                return new Result(null, List.of(new Restored("-", "failed", "no run " + runId + " on " + tree.describe())),
                        "no journal for run " + runId + " on " + tree.describe() + "; runs here: " + runIds(all));
            }
        } else {
            chosen = all.stream().filter(j -> !Journal.UNDONE.equals(j.state())).reduce((a, b) -> b);
            if (chosen.isEmpty()) {
                return new Result(null, List.of(), "nothing to undo on " + tree.describe());
            }
        }
        Journal journal = chosen.get();
        List<Restored> results = new ArrayList<>();
        // last change first: an installed file leaves its path before the file it replaced comes back to it
        for (int i = journal.entries().size() - 1; i >= 0; i--) {
            JournalEntry entry = journal.entries().get(i);
            Restored r = entry.install() ? uninstall(entry) : restore(entry);
            results.add(0, r);
            if (r.outcome().equals("restored")) {
                journal = Quarantiner.replace(journal, i, entry.withState("restored", null));
            }
        }
        boolean allOk = results.stream().allMatch(Restored::ok);
        journals.write(journal.withState(allOk ? Journal.UNDONE : Journal.PARTIALLY_UNDONE, journal.finishedBy()));
        return new Result(journal.runId(), results, null);
    }

    /** An installed file (an edited hive) goes back to bootmedic/staged, unless something has changed it since. */
    private Restored uninstall(JournalEntry entry) throws IOException {
        return switch (FileLocation.of(tree, entry)) {
            case ORIGINAL -> {
                String error = StagedFiles.uninstall(tree, entry);
                yield error == null ? new Restored(entry.path(), "restored", "the file bootmedic put there moved back to " + entry.quarantinePath())
                        : new Restored(entry.path(), "failed", error);
            }
            case QUARANTINE, NOWHERE -> new Restored(entry.path(), "already-in-place", "bootmedic's file is not there (never put in place, or undone)");
            case ORIGINAL_CHANGED, BOTH, QUARANTINE_AND_NEW_ORIGINAL -> new Restored(entry.path(), "kept-in-quarantine", entry.path()
                    + " has changed since bootmedic put it there (Windows has used it): putting the old one back would lose what was written since."
                    + " Nothing was changed; the old one is in bootmedic/quarantine if you want it back by hand");
        };
    }

    private Restored restore(JournalEntry entry) throws IOException {
        FileLocation where = FileLocation.of(tree, entry);
        switch (where) {
            case ORIGINAL:
                return new Restored(entry.path(), "already-in-place", "it was never moved");
            case ORIGINAL_CHANGED:
            case BOTH:
            case QUARANTINE_AND_NEW_ORIGINAL:
                return new Restored(entry.path(), "kept-in-quarantine", "another file now exists at " + entry.path()
                        + "; the quarantined copy stays at " + entry.quarantinePath() + " (nothing overwritten)");
            case NOWHERE:
                return new Restored(entry.path(), "failed", "the quarantined copy is missing from " + entry.quarantinePath());
            default:
                break;
        }
        RelPath original = RelPath.of(entry.path());
        RelPath parent = SafePaths.ensureDirectories(tree, original.parent());
        RelPath quarantined = SafePaths.resolve(tree, RelPath.of(entry.quarantinePath())).orElseThrow();
        RelPath target = parent.resolve(original.name());
        tree.move(quarantined, target);
        if (FileLocation.of(tree, entry) != FileLocation.ORIGINAL) {
            return new Restored(entry.path(), "failed", "moved back, but the bytes at " + entry.path() + " do not have the recorded SHA-256");
        }
        // after the check: reading the file for its hash would bump the access time again
        tree.setTimes(target, new FileTimes(instant(entry.created()), instant(entry.modified()), instant(entry.accessed())));
        return new Restored(entry.path(), "restored", null);
    }

    private static String runIds(List<Journal> all) {
        return all.isEmpty() ? "none" : String.join(", ", all.stream().map(Journal::runId).toList());
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }
}
