package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.image.block.ImageLock;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A point-in-time copy of an image file, in its own format: {@code cp --reflink=auto --sparse=always} (a reflink where
 * the file system has them, btrfs and XFS: instant and sharing blocks), while both the source and the new file are held
 * with qemu's image lock, so no qemu (on this host, or on shared storage that honours locks) has either open meanwhile.
 * The copy gets its name only when it is complete and on the device; {@code NAME.partial} is what a crash leaves.
 * {@link #check} runs in the provider's call; {@link #copy} in a {@link CopyChild}, so the engine does not wait for it.
 */
final class ImageCopier {
    private ImageCopier() {
    }

    /** What can be known before the copy starts: refused when the name is taken, the path changed, a qemu holds the source, or space is short. */
    static void check(Path source, Path target, FileIdentity expect) {
        if (Files.exists(target)) {
            throw new CloudException(Kind.ALREADY_EXISTS, target + " exists");
        }
        try {
            if (expect != null && !expect.equals(FileIdentity.of(source))) {
                throw new CloudException(Kind.FATAL, source + " is no longer the file it was when checked (" + expect + ", now " + FileIdentity.of(source)
                        + "): the path names another file; nothing was copied");
            }
            if (held(source)) {
                throw new CloudException(Kind.CONFLICT, source + " is held by a running qemu (a guest on this host, or on another host sharing this"
                        + " storage): nothing was written");
            }
            checkSpace(source, target.getParent());
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot read " + source + ": " + e.getMessage());
        }
    }

    /** Copies {@code source} to {@code target} under both locks; the copy is named only once it is whole and on the device. */
    static void copy(Path source, Path target, FileIdentity expect, long timeoutMillis) throws IOException {
        if (Files.exists(target)) {
            throw new IOException(target + " exists");
        }
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try (ImageLock held = lock(source)) {
            if (expect != null && !expect.equals(FileIdentity.of(source))) {
                throw new IOException(source + " is no longer the file it was when checked (" + expect + ", now " + FileIdentity.of(source) + ")");
            }
            Files.deleteIfExists(partial); // an interrupted copy: the source was not written after it
            Files.createFile(partial);
            try (ImageLock dst = lock(partial)) {
                run(List.of("cp", "--reflink=auto", "--sparse=always", "--preserve=mode,ownership,timestamps", "--", source.toString(), partial.toString()),
                        timeoutMillis);
                try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target);
            }
            StateFiles.forceFolder(target.getParent());
        } catch (IOException | RuntimeException e) {
            deleteQuietly(partial);
            throw e;
        }
    }

    /** qemu's lock on an image, for writing: refused while any qemu has it open. */
    static ImageLock lock(Path image) {
        try {
            return ImageLock.forWriting(image);
        } catch (ImageLock.ImageInUseException e) {
            throw new CloudException(Kind.CONFLICT, image + " is held by a running qemu (a guest on this host, or on another host sharing this storage):"
                    + " nothing was written");
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, e.getMessage());
        }
    }

    /** Whether any process (a qemu, a bootmedic) holds {@code image}'s lock now. */
    static boolean held(Path image) {
        if (!Files.exists(image)) {
            return false;
        }
        try (ImageLock l = ImageLock.forWriting(image)) {
            return false;
        } catch (ImageLock.ImageInUseException e) {
            return true;
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, e.getMessage());
        }
    }

    private static void checkSpace(Path source, Path dir) throws IOException {
        long need = allocated(source);
        long free = Files.getFileStore(dir).getUsableSpace();
        if (need > free) {
            throw new CloudException(Kind.FATAL, "not enough space for a copy of " + source + " in " + dir + ": it needs up to " + need / 1048576
                    + " MiB (without reflink), " + free / 1048576 + " MiB are free. Free space or pass --backup-dir");
        }
    }

    /** The bytes the file takes on its device (a sparse image takes less than its size): stat's %b blocks of %B bytes. */
    private static long allocated(Path file) throws IOException {
        Process p = new ProcessBuilder("stat", "--format=%b %B", "--", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        try {
            String[] f = out.split(" ");
            if (p.waitFor() == 0 && f.length == 2) {
                return Long.parseLong(f[0]) * Long.parseLong(f[1]);
            }
        } catch (InterruptedException | NumberFormatException e) {
            // fall through to the file's size: an upper bound
        }
        return Files.size(file);
    }

    private static void run(List<String> cmd, long timeoutMillis) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("cp did not finish in " + timeoutMillis / 1000 + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("cp failed: " + new String(out, java.nio.charset.StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left as NAME.partial: never taken for a finished copy, removed by the next try
        }
    }
}
