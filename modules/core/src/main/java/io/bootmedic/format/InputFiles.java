package io.bootmedic.format;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Checks a path named on the command line before it is opened, so that a FIFO, a directory or a
 * character device never blocks a read for ever and a missing or unreadable file is one clear
 * sentence instead of a bare path from the JDK.
 */
public final class InputFiles {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFDIR = 0040000;

    /** What may stand behind a path. */
    public enum Kind {
        /** a regular file only: key exports, bundles, lists, playbooks */
        REGULAR_FILE,
        /** a regular file or a block device: disk images and disks */
        FILE_OR_BLOCK_DEVICE
    }

    private InputFiles() {
    }

    /**
     * Returns normally when {@code path} exists, is readable and is of the allowed kind (symlinks
     * are followed, as a shell user expects). {@code what} names the option ("--key-file").
     */
    public static void require(Path path, Kind kind, String what) throws FormatException {
        if (!Files.exists(path)) {
            throw new FormatException(what + " " + path + " does not exist: check the path");
        }
        int type = fileType(path);
        boolean ok = type == S_IFREG || (kind == Kind.FILE_OR_BLOCK_DEVICE && type == S_IFBLK);
        if (!ok) {
            String is = switch (type) {
                case S_IFDIR -> "a directory";
                case S_IFIFO -> "a pipe (FIFO)";
                case S_IFCHR -> "a character device";
                case S_IFSOCK -> "a socket";
                case S_IFBLK -> "a block device";
                default -> "not a regular file";
            };
            String want = kind == Kind.REGULAR_FILE ? "a regular file" : "a disk image file or a block device";
            throw new FormatException(what + " " + path + " is " + is + ", not " + want + ": name the file itself");
        }
        if (!Files.isReadable(path)) {
            throw new FormatException(what + " " + path + " cannot be read: permission denied (run as a user who may read it, or copy it)");
        }
    }

    /** The S_IFMT bits of the file (following links), or S_IFREG/S_IFDIR where the OS has no unix view. */
    private static int fileType(Path path) throws FormatException {
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            return ((Integer) mode) & S_IFMT;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            if (Files.isDirectory(path)) {
                return S_IFDIR;
            }
            return Files.isRegularFile(path) ? S_IFREG : 0;
        } catch (NoSuchFileException e) {
            throw new FormatException(path + " does not exist: check the path");
        } catch (AccessDeniedException e) {
            throw new FormatException(path + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new FormatException(path + " cannot be examined: " + e.getMessage());
        }
    }

    /** The JDK's text for a file error, made a sentence (AccessDeniedException's message is only the path). */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied (run as a user who may read it, or copy it)";
        }
        if (e instanceof NoSuchFileException) {
            return "it does not exist";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return ErrorWords.message(e);
    }

    /** For messages: whether a path is a regular file, without following a link. */
    public static boolean isPlainFile(Path path) {
        return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
    }
}
