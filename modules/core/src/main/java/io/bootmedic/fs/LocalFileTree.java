package io.bootmedic.fs;

import io.bootmedic.util.DurableFiles;
import io.bootmedic.util.Os;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A volume that the operating system has already mounted: safe mode's C:\, a Hyper-V Mount-VHD
 * letter, a Linux mount of an NTFS partition. Links are never followed.
 */
public final class LocalFileTree implements FileTree {
    private static final LinkOption[] NO_FOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private final Path root;

    public LocalFileTree(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    private Path toPath(RelPath path) {
        Path p = root;
        for (String part : path.parts()) {
            p = p.resolve(part);
        }
        return p;
    }

    @Override
    public Optional<FileStat> stat(RelPath path) throws IOException {
        Path p = toPath(path);
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(p, BasicFileAttributes.class, NO_FOLLOW);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(toStat(path.isRoot() ? "" : path.name(), attrs));
    }

    private static FileStat toStat(String name, BasicFileAttributes a) {
        EntryType type;
        if (a.isSymbolicLink()) {
            type = EntryType.REPARSE_POINT;
        } else if (a.isOther()) {
            // Java on Windows reports junctions and other reparse points as "other"; on Linux that is a socket or fifo
            type = Os.isWindows() ? EntryType.REPARSE_POINT : EntryType.OTHER;
        } else if (a.isDirectory()) {
            type = EntryType.DIRECTORY;
        } else if (a.isRegularFile()) {
            type = EntryType.FILE;
        } else {
            type = EntryType.OTHER;
        }
        return new FileStat(name, type, a.size(), instant(a.creationTime()), instant(a.lastModifiedTime()), instant(a.lastAccessTime()));
    }

    private static Instant instant(FileTime time) {
        return time == null ? null : time.toInstant();
    }

    @Override
    public List<FileStat> list(RelPath dir) throws IOException {
        List<FileStat> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(toPath(dir))) {
            for (Path entry : entries) {
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(entry, BasicFileAttributes.class, NO_FOLLOW);
                } catch (NoSuchFileException raced) {
                    continue;
                }
                out.add(toStat(entry.getFileName().toString(), attrs));
            }
        }
        return out;
    }

    @Override
    public SeekableByteChannel openRead(RelPath file) throws IOException {
        return Files.newByteChannel(toPath(file), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void createDirectory(RelPath dir) throws IOException {
        Files.createDirectory(toPath(dir));
    }

    @Override
    public void move(RelPath from, RelPath to) throws IOException {
        Path target = toPath(to);
        if (Files.exists(target, NO_FOLLOW)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        try {
            Files.move(toPath(from), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // never fall back to copy+delete: a half-done copy could lose the only evidence
            throw new IOException("cannot rename " + from + " to " + to + " atomically on " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void writeDurably(RelPath file, byte[] content) throws IOException {
        DurableFiles.write(toPath(file), content);
    }

    @Override
    public void setTimes(RelPath path, FileTimes times) throws IOException {
        BasicFileAttributeView view = Files.getFileAttributeView(toPath(path), BasicFileAttributeView.class, NO_FOLLOW);
        view.setTimes(fileTime(times.modified()), fileTime(times.accessed()), fileTime(times.created()));
    }

    private static FileTime fileTime(Instant instant) {
        return instant == null ? null : FileTime.from(instant);
    }

    @Override
    public boolean isReadOnly() {
        // access(2) with W_OK answers EROFS for a read-only mount, so it alone is enough. The file
        // store is only a second opinion: the JDK finds it in /proc/mounts, which lacks the mount in
        // a chroot or some containers (a rescue system), and that must not read as read-only.
        if (!Files.isWritable(root)) {
            return true;
        }
        try {
            return Files.getFileStore(root).isReadOnly();
        } catch (IOException e) {
            return false;
        }
    }
}
