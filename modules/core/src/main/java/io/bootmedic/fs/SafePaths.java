package io.bootmedic.fs;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Resolves volume-relative paths the way NTFS names work (case-insensitively), one component at
 * a time, and refuses to pass through anything that redirects: a symlink, a junction or any other
 * reparse point could point outside the volume or at another volume's files.
 */
public final class SafePaths {
    private SafePaths() {
    }

    /**
     * The path as stored on the volume, or empty when some component does not exist.
     *
     * @throws UnsafePathException when a component is a reparse point, a file where a directory
     *                             was expected, or matches two names that differ only in case
     */
    public static Optional<RelPath> resolve(FileTree tree, RelPath wanted) throws IOException {
        RelPath actual = RelPath.root();
        List<String> parts = wanted.parts();
        for (int i = 0; i < parts.size(); i++) {
            Optional<FileStat> entry = find(tree, actual, parts.get(i));
            if (entry.isEmpty()) {
                return Optional.empty();
            }
            FileStat stat = entry.get();
            actual = actual.resolve(stat.name());
            boolean last = i == parts.size() - 1;
            if (stat.type() == EntryType.REPARSE_POINT) {
                throw new UnsafePathException("refusing to follow '" + actual + "' on " + tree.describe()
                        + ": it is a symbolic link, junction or other reparse point. Nothing was changed; inspect it by hand.");
            }
            if (!last && stat.type() != EntryType.DIRECTORY) {
                throw new UnsafePathException("'" + actual + "' on " + tree.describe() + " is not a directory, but the path '" + wanted + "' goes through it");
            }
        }
        return Optional.of(actual);
    }

    /** Finds one entry of {@code dir} by case-insensitive name. */
    public static Optional<FileStat> find(FileTree tree, RelPath dir, String name) throws IOException {
        FileStat found = null;
        String key = fold(name);
        for (FileStat entry : tree.list(dir)) {
            if (fold(entry.name()).equals(key)) {
                if (found != null && !found.name().equals(entry.name())) {
                    throw new UnsafePathException("'" + dir.resolve(name) + "' on " + tree.describe() + " matches both '" + found.name()
                            + "' and '" + entry.name() + "' (names that differ only in case); bootmedic will not guess which one Windows uses");
                }
                found = entry;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Creates every missing directory of {@code wanted}, reusing existing ones whatever their case,
     * and returns the path as stored.
     */
    public static RelPath ensureDirectories(FileTree tree, RelPath wanted) throws IOException {
        RelPath actual = RelPath.root();
        for (String part : wanted.parts()) {
            Optional<FileStat> entry = find(tree, actual, part);
            if (entry.isEmpty()) {
                actual = actual.resolve(part);
                tree.createDirectory(actual);
                continue;
            }
            actual = actual.resolve(entry.get().name());
            if (entry.get().type() == EntryType.REPARSE_POINT) {
                throw new UnsafePathException("refusing to use '" + actual + "' on " + tree.describe()
                        + ": it is a symbolic link, junction or other reparse point");
            }
            if (entry.get().type() != EntryType.DIRECTORY) {
                throw new UnsafePathException("'" + actual + "' on " + tree.describe() + " exists but is not a directory");
            }
        }
        return actual;
    }

    /**
     * Checks, without creating anything, that {@link #ensureDirectories} could create {@code wanted}:
     * every component that exists already is a plain directory. Run before a change is journalled,
     * so a refusal leaves the volume exactly as it was.
     */
    public static void requireCreatable(FileTree tree, RelPath wanted, String purpose) throws IOException {
        RelPath actual = RelPath.root();
        for (String part : wanted.parts()) {
            Optional<FileStat> entry = find(tree, actual, part);
            if (entry.isEmpty()) {
                return; // the rest will be created
            }
            actual = actual.resolve(entry.get().name());
            if (entry.get().type() == EntryType.REPARSE_POINT) {
                throw new UnsafePathException("'" + actual + "' on " + tree.describe() + " is a symbolic link, junction or other reparse point, so "
                        + purpose + " cannot go there. Nothing was changed; inspect it by hand.");
            }
            if (entry.get().type() != EntryType.DIRECTORY) {
                throw new UnsafePathException("'" + actual + "' on " + tree.describe() + " exists but is not a directory, so " + purpose
                        + " cannot go there. Nothing was changed: move it aside and run again.");
            }
        }
    }

    /** Upper-casing approximates NTFS's $UpCase table for the names bootmedic deals with. */
    public static String fold(String name) {
        return name.toUpperCase(Locale.ROOT);
    }

}
