package io.bootmedic.massremediation;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real block device for a test: a sparse file behind a loop device (losetup, needs root), with
 * an optional udev database entry (/run/udev/data/b MAJ:MIN) so that the real lsblk and udevadm
 * report a serial and WWN for it, as they do for a cloud disk. Closing removes the entry and
 * detaches the loop device.
 */
final class LoopDisk implements AutoCloseable {
    final Path device;
    private final String majMin;
    private static final Path UDEV = Path.of("/run/udev");
    private Path udevEntry;
    private boolean createdUdevDir;

    private LoopDisk(Path device, String majMin) {
        this.device = device;
        this.majMin = majMin;
    }

    /** Whether this machine lets the test make loop devices (root, /dev/loop-control). */
    static boolean available() {
        try {
            return run("losetup", "-f").strip().startsWith("/dev/loop");
        } catch (IOException e) {
            return false;
        }
    }

    static LoopDisk create(Path backingFile, long bytes) throws IOException {
        try (var f = new java.io.RandomAccessFile(backingFile.toFile(), "rw")) {
            f.setLength(bytes);
        }
        String dev = run("losetup", "-f", "--show", backingFile.toString()).strip();
        String majMin = run("lsblk", "-dno", "MAJ:MIN", dev).strip().replace(" ", "");
        return new LoopDisk(Path.of(dev), majMin);
    }

    /** Gives the device a serial and WWN as udev would record them for a cloud disk. */
    LoopDisk withIds(String serial, String wwn) throws IOException {
        // on a machine without udev the folders are made here and removed again on close
        createdUdevDir = !Files.exists(UDEV);
        Path dir = Files.createDirectories(UDEV.resolve("data"));
        udevEntry = dir.resolve("b" + majMin);
        StringBuilder s = new StringBuilder();
        if (serial != null) {
            s.append("E:ID_SERIAL=").append(serial).append('\n').append("E:ID_SERIAL_SHORT=").append(serial).append('\n');
        }
        if (wwn != null) {
            s.append("E:ID_WWN=").append(wwn).append('\n');
        }
        Files.writeString(udevEntry, s.toString(), StandardCharsets.US_ASCII);
        return this;
    }

    long size() throws IOException {
        return Long.parseLong(run("blockdev", "--getsize64", device.toString()).strip());
    }

    @Override
    public void close() throws IOException {
        if (udevEntry != null) {
            Files.deleteIfExists(udevEntry);
            if (createdUdevDir) {
                try {
                    Files.deleteIfExists(UDEV.resolve("data"));
                    Files.deleteIfExists(UDEV);
                } catch (java.nio.file.DirectoryNotEmptyException e) {
                    // another entry is in use: the last one out removes the folders
                }
            }
        }
        run("losetup", "-d", device.toString());
    }

    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }
}
