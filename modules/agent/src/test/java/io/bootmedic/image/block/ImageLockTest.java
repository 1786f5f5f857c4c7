package io.bootmedic.image.block;

import io.bootmedic.image.ImageOpener;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image lock against the real thing: a qemu-system-x86_64 guest (TCG, paused at its first
 * instruction, its disk open as a running VM's is) holds the image, in each format bootmedic
 * writes. bootmedic must refuse to write it, change no byte, and still be able to read it; and
 * while bootmedic writes, qemu must be unable to open it for writing. A block device is opened
 * with O_EXCL: held exclusively by another process, it is refused.
 */
class ImageLockTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"raw", "vpc", "vhdx", "qcow2"})
    void aRunningGuestsDiskIsNeverWritten(String format) throws Exception {
        Path image = tmp.resolve("guest." + format);
        Tools.ok("qemu-img", "create", "-q", "-f", format, image.toString(), "32M");
        String before = TreeSnapshot.sha256(image);
        Process vm = new ProcessBuilder("qemu-system-x86_64", "-S", "-machine", "pc", "-accel", "tcg", "-m", "32", "-display", "none",
                "-nodefaults", "-monitor", "none", "-serial", "none", "-drive", "file=" + image + ",format=" + format + ",if=virtio")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("qemu.log").toFile()).start();
        try {
            awaitLocked(image, vm);
            ImageLock.ImageInUseException busy = assertThrows(ImageLock.ImageInUseException.class, () -> ImageOpener.open(image, true));
            assertTrue(busy.getMessage().contains("in use by a running VM (qemu holds its lock)") && busy.getMessage().contains(image.toString()),
                    busy.getMessage());
            Cli fix = Cli.run("fix", "--image", image.toString());
            assertEquals(2, fix.exit, fix.toString());
            assertTrue(fix.err.contains("in use by a running VM") && !fix.err.contains("Exception"), fix.err);
            try (BlockDevice d = ImageOpener.open(image, false)) {
                assertTrue(d.size() >= 32 << 20, "scan still reads it"); // (vpc rounds the size to a CHS geometry)
            }
        } finally {
            vm.destroy();
            vm.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(before, TreeSnapshot.sha256(image), "not one byte of a running guest's disk changed");

        try (BlockDevice d = ImageOpener.open(image, true)) {
            Tools.Result qemu = Tools.run(List.of("qemu-io", "-f", format, "-c", "write 0 512", image.toString()));
            assertTrue(qemu.exit() != 0 && qemu.out().contains("lock"), "qemu cannot write while bootmedic does: " + qemu.out());
            d.write(0, ByteBuffer.allocate(512));
        }
        Tools.ok("qemu-io", "-f", format, "-c", "write 0 512", image.toString()); // released on close
    }

    /**
     * qemu opens its drives while it starts: wait until /proc/locks shows its locks on the image's
     * inode (asking by taking a lock ourselves would race qemu's own start and make it fail).
     */
    private void awaitLocked(Path image, Process vm) throws Exception {
        long inode = ((Number) Files.getAttribute(image, "unix:ino")).longValue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(vm.isAlive(), () -> "qemu-system-x86_64 exited: " + read(tmp.resolve("qemu.log")));
            boolean held = Files.readAllLines(Path.of("/proc/locks")).stream()
                    .anyMatch(l -> l.contains("OFDLCK") && l.matches(".*:" + inode + " 20[0-9] 20[0-9]\\s*$"));
            if (held) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("qemu never locked " + image + ": " + read(tmp.resolve("qemu.log")));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log)";
        }
    }

    @Test
    void aBlockDeviceHeldExclusivelyIsRefused() throws Exception {
        Path disk = tmp.resolve("disk.img");
        Files.write(disk, new byte[8 << 20]);
        Tools.Result attach = Tools.run(List.of("losetup", "-f", "--show", disk.toString()));
        Assumptions.assumeTrue(attach.exit() == 0, () -> "skipped: no loop device here (needs root and /dev/loop-control): " + attach.out().strip());
        String loop = attach.out().strip();
        // another exclusive user of the device (as the kernel is for a mounted file system, LVM or md)
        Process holder = new ProcessBuilder("python3", "-c",
                "import os,sys,time; fd=os.open(sys.argv[1], os.O_RDONLY|os.O_EXCL); print('held', flush=True); time.sleep(60)", loop)
                .redirectErrorStream(true).start();
        try {
            String line = new String(holder.getInputStream().readNBytes(5));
            assertEquals("held\n", line);
            ImageLock.ImageInUseException busy = assertThrows(ImageLock.ImageInUseException.class, () -> ImageOpener.open(Path.of(loop), true, "--device"));
            assertTrue(busy.getMessage().contains(loop) && busy.getMessage().contains("in use"), busy.getMessage());
            try (BlockDevice d = ImageOpener.open(Path.of(loop), false, "--device")) {
                assertEquals(8 << 20, d.size(), "reading is still possible");
            }
        } finally {
            holder.destroy();
            holder.waitFor();
        }
        try (BlockDevice d = ImageOpener.open(Path.of(loop), true, "--device")) {
            assertFalse(d.isReadOnly());
        } finally {
            Tools.run(List.of("losetup", "-d", loop));
        }
    }
}
