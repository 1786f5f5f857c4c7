package io.bootmedic.util;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a small file so that a power cut leaves either the old or the new content, never a
 * torn one: write a sibling temp file, force it to disk, rename it over the target, sync the folder.
 * Journals, reports, batch state and host-side quarantine copies all rely on this.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /** The parent folder must exist; links are not followed. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /** What goes into a file written by {@link #write(Path, Content)}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * As {@link #write(Path, byte[])}, with the content streamed into the temp file, so a large file
     * (a batch state of many targets) never sits in memory whole.
     */
    public static void write(Path target, Content content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            writeAndForce(ch, content);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * As {@link #write(Path, byte[])} for a secret: the file is readable and writable by its owner
     * only (0600) from the moment it exists, whatever the umask, so it is never briefly readable by
     * others; a leftover temp file of another mode is removed first, never reused. Where the file
     * system has no POSIX permissions (Windows) the folder's ACL protects it.
     */
    public static void writeOwnerOnly(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        java.util.Set<java.nio.file.OpenOption> options = java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        boolean posix = supportsPosix(target.toAbsolutePath().getParent());
        java.nio.file.attribute.FileAttribute<?>[] ownerOnly = posix
                ? new java.nio.file.attribute.FileAttribute<?>[]{java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))}
                : new java.nio.file.attribute.FileAttribute<?>[0];
        try (FileChannel ch = FileChannel.open(tmp, options, ownerOnly)) {
            writeAndForce(ch, out -> out.write(content));
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Whether the folder's file system has POSIX permissions. The JDK finds a folder's file store in
     * /proc/mounts, which lacks the mount in a chroot or some containers (a rescue system); there
     * the file system provider answers instead, as it does for every path it serves.
     */
    private static boolean supportsPosix(Path folder) {
        try {
            return Files.getFileStore(folder).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class);
        } catch (IOException e) {
            return folder.getFileSystem().supportedFileAttributeViews().contains("posix");
        }
    }

    private static void writeAndForce(FileChannel ch, Content content) throws IOException {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
        content.writeTo(out);
        out.flush(); // not closed here: that would close the channel before force()
        ch.force(true);
    }

    private static void syncDirectory(Path dir) {
        if (dir == null || Os.isWindows()) {
            return; // directories cannot be opened as channels there; NTFS journals the rename itself
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some file systems refuse fsync on a directory; the file itself is already forced
        }
    }
}
