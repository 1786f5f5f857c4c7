package io.bootmedic.remediation;

import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;

import java.io.IOException;

/**
 * The moves of an {@link JournalEntry#install() install} entry: a file bootmedic prepared under bootmedic/staged goes
 * to the path whose old file the run quarantined, and back on undo. Renames on one volume, each proven by its hash.
 */
final class StagedFiles {
    private StagedFiles() {
    }

    static RelPath stagedPathFor(String runId, RelPath live) {
        return JournalStore.STAGED_DIR.resolve(runId).resolve(live);
    }

    /** Staged to live; returns null or what went wrong. The live path must be empty (its old file quarantined before). */
    static String install(FileTree tree, JournalEntry entry) throws IOException {
        RelPath live = RelPath.of(entry.path());
        RelPath staged = SafePaths.resolve(tree, RelPath.of(entry.quarantinePath())).orElse(null);
        if (staged == null || !FileDigest.sha256(tree, staged).equals(entry.sha256())) {
            return "the prepared file is missing from " + entry.quarantinePath() + " or has changed; nothing was put in place";
        }
        if (SafePaths.resolve(tree, live).isPresent()) {
            return "a file is at " + entry.path() + " although its old one was to be quarantined first; nothing was put in place";
        }
        RelPath parent = SafePaths.resolve(tree, live.parent()).orElse(null);
        if (parent == null) {
            return "the folder of " + entry.path() + " is gone";
        }
        RelPath target = parent.resolve(live.name());
        tree.move(staged, target);
        if (!FileDigest.sha256(tree, target).equals(entry.sha256())) {
            return "the file put at " + entry.path() + " does not have the recorded SHA-256";
        }
        return null;
    }

    /** Live back to staged (undo); returns null or what went wrong. */
    static String uninstall(FileTree tree, JournalEntry entry) throws IOException {
        RelPath live = SafePaths.resolve(tree, RelPath.of(entry.path())).orElseThrow();
        RelPath staged = RelPath.of(entry.quarantinePath());
        RelPath dir = SafePaths.ensureDirectories(tree, staged.parent());
        RelPath target = dir.resolve(staged.name());
        tree.move(live, target);
        if (!FileDigest.sha256(tree, target).equals(entry.sha256())) {
            return "the file moved back to " + entry.quarantinePath() + " does not have the recorded SHA-256";
        }
        return null;
    }
}
