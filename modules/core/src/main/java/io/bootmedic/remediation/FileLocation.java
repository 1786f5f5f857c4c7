package io.bootmedic.remediation;

import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;

import java.io.IOException;
import java.util.Optional;

/**
 * Where a journalled file really is now. Recovery and undo trust this, not the state the
 * journal last recorded, because a power cut can fall between a rename and its journal update.
 */
public enum FileLocation {
    /** At its original path, same bytes as journalled. */
    ORIGINAL,
    /** In the quarantine, same bytes as journalled. */
    QUARANTINE,
    /** At its original path, but with other bytes than journalled (replaced since). */
    ORIGINAL_CHANGED,
    /** Present in both places (should not happen with renames). */
    BOTH,
    /** In the quarantine, and some other file has since appeared at the original path. */
    QUARANTINE_AND_NEW_ORIGINAL,
    /** In neither place. */
    NOWHERE;

    public static FileLocation of(FileTree tree, JournalEntry entry) throws IOException {
        boolean atOriginal = matches(tree, RelPath.of(entry.path()), entry.sha256());
        boolean inQuarantine = matches(tree, RelPath.of(entry.quarantinePath()), entry.sha256());
        if (atOriginal && inQuarantine) {
            return BOTH;
        }
        if (atOriginal) {
            return ORIGINAL;
        }
        boolean somethingAtOriginal = exists(tree, RelPath.of(entry.path()));
        if (inQuarantine) {
            return somethingAtOriginal ? QUARANTINE_AND_NEW_ORIGINAL : QUARANTINE;
        }
        return somethingAtOriginal ? ORIGINAL_CHANGED : NOWHERE;
    }

    private static boolean matches(FileTree tree, RelPath path, String sha256) throws IOException {
        Optional<RelPath> actual = SafePaths.resolve(tree, path);
        if (actual.isEmpty()) {
            return false;
        }
        Optional<FileStat> stat = tree.stat(actual.get());
        return stat.isPresent() && stat.get().isFile() && FileDigest.sha256(tree, actual.get()).equals(sha256);
    }

    private static boolean exists(FileTree tree, RelPath path) throws IOException {
        return SafePaths.resolve(tree, path).isPresent();
    }
}
