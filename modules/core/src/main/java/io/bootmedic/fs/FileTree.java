package io.bootmedic.fs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * The only view of a Windows volume that the remediation engine has, whichever door it came
 * through (a mounted directory, libntfs-3g on an image, a WinPE drive letter).
 *
 * <p>Paths are exact: the engine resolves names case-insensitively itself by listing, and checks
 * every component for reparse points before it asks for anything below it. Implementations must
 * never follow a symlink, junction or other reparse point, and must report one as
 * {@link EntryType#REPARSE_POINT}.
 */
public interface FileTree extends Closeable {

    /** For messages: "/mnt/c", "disk.vhdx partition 3 (NTFS)". */
    String describe();

    /** The entry at {@code path} without following links, or empty if there is none. */
    Optional<FileStat> stat(RelPath path) throws IOException;

    /** Entries of a directory (not "." or ".."), names as stored. */
    List<FileStat> list(RelPath dir) throws IOException;

    /** Opens a regular file for random-access reading (hives are read this way). */
    SeekableByteChannel openRead(RelPath file) throws IOException;

    /** Creates one directory; its parent must exist. Fails if the name exists. */
    void createDirectory(RelPath dir) throws IOException;

    /**
     * Renames within the volume: atomic, no copy, keeps times. Fails if {@code to} exists.
     * The parent of {@code to} must exist.
     */
    void move(RelPath from, RelPath to) throws IOException;

    /** Creates or replaces a small file (journal, report) and makes it durable before returning. */
    void writeDurably(RelPath file, byte[] content) throws IOException;

    /** Sets the times that are not null. */
    void setTimes(RelPath path, FileTimes times) throws IOException;

    /** True when changes are impossible (read-only mount or media). */
    boolean isReadOnly();

    @Override
    default void close() throws IOException {
    }
}
