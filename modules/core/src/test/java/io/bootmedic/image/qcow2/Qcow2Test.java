package io.bootmedic.image.qcow2;

import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageLock;
import io.bootmedic.testutil.DeviceHash;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * qcow2 images made by the real qemu-img and qemu-io: bootmedic reads every byte the way
 * 'qemu-img convert -O raw' does, and what it writes is read back by qemu-img, with 'qemu-img
 * check' finding neither errors nor leaked clusters.
 */
public class Qcow2Test {
    private static final long MIB = 1 << 20;
    @TempDir
    Path tmp;

    /** A sparse qcow2 image with data written by qemu-io at scattered places, zeroed and discarded ranges included. */
    private Path qemuImage(String name, String options, long size) throws Exception {
        Path image = tmp.resolve(name);
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", options, image.toString(), Long.toString(size));
        Tools.ok("qemu-io", "-c", "write -P 0xab 0 70k", "-c", "write -P 0x11 1M 3k", "-c", "write -P 0x5a 5000k 1536",
                "-c", "write -P 0x77 9M 2M", "-c", "write -z 10M 64k", "-c", "write -P 0x33 " + (size - 4096) + " 4096",
                "-c", "discard 9M 128k", image.toString());
        return image;
    }

    static String rawSha(Path image, Path tmp) throws Exception {
        Path raw = tmp.resolve(image.getFileName() + ".raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        String sha = TreeSnapshot.sha256(raw);
        Files.delete(raw);
        return sha;
    }

    private static String ourSha(Path image) throws Exception {
        return ourSha(image, null);
    }

    private static String ourSha(Path image, Path backingDir) throws Exception {
        try (BlockDevice d = ImageOpener.open(image, false, "--image", backingDir)) {
            assertTrue(d instanceof Qcow2BlockDevice, d.getClass().getName());
            return DeviceHash.sha256(d);
        }
    }

    /** 'qemu-img check' must find no error and no leak (exit 0). */
    public static void qemuCheckClean(Path image) throws Exception {
        Tools.Result check = Tools.run(List.of("qemu-img", "check", image.toString()));
        assertEquals(0, check.exit(), "qemu-img check:\n" + check.out());
        assertTrue(check.out().contains("No errors"), check.out());
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
            "0.10, cluster_size=512", "0.10, cluster_size=4096", "0.10, cluster_size=65536", "0.10, cluster_size=2M",
            "1.1, cluster_size=512", "1.1, cluster_size=65536", "1.1, cluster_size=2M",
            "1.1, 'cluster_size=4096,refcount_bits=1'", "1.1, 'cluster_size=512,refcount_bits=64'", "1.1, 'cluster_size=65536,lazy_refcounts=on'",
            "1.1, 'cluster_size=65536,preallocation=metadata'"})
    void readsEveryByteAsQemuImgConvertDoes(String compat, String options) throws Exception {
        Path image = qemuImage("a.qcow2", "compat=" + compat + "," + options, 24 * MIB + 512);
        assertEquals(rawSha(image, tmp), ourSha(image));
        try (BlockDevice d = ImageOpener.open(image, false)) {
            assertEquals(24 * MIB + 512, d.size());
        }
    }

    @ParameterizedTest
    @CsvSource({"cluster_size=512", "cluster_size=65536", "cluster_size=2M"})
    void readsCompressedClusters(String options) throws Exception {
        Path plain = qemuImage("plain.qcow2", "compat=1.1," + options, 24 * MIB);
        Path packed = tmp.resolve("packed.qcow2");
        Tools.ok("qemu-img", "convert", "-c", "-O", "qcow2", "-o", options, plain.toString(), packed.toString());
        assertEquals(rawSha(plain, tmp), ourSha(packed));
    }

    /**
     * Writes at scattered offsets of a sparse image (new L2 tables, new refcount blocks, a grown
     * refcount table), over compressed, zeroed and in-place clusters; qemu-img reads back exactly
     * the bytes a raw copy with the same writes holds.
     */
    @ParameterizedTest(name = "{0}, {1}, compressed {2}")
    @CsvSource({
            "0.10, cluster_size=512, false", "0.10, cluster_size=65536, true", "1.1, cluster_size=4096, false",
            "1.1, 'cluster_size=512,refcount_bits=64', false", "1.1, 'cluster_size=512,refcount_bits=2', true",
            "1.1, cluster_size=2M, true", "1.1, 'cluster_size=65536,refcount_bits=8', false"})
    void writesAreReadBackByQemuAndCheckClean(String compat, String options, boolean compressed) throws Exception {
        long size = 48 * MIB;
        Path image = qemuImage("w.qcow2", "compat=" + compat + "," + options, size);
        if (compressed) {
            Path packed = tmp.resolve("wc.qcow2");
            Tools.ok("qemu-img", "convert", "-c", "-O", "qcow2", "-o", "compat=" + compat + "," + options, image.toString(), packed.toString());
            image = packed;
        }
        Path expected = tmp.resolve("expected.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), expected.toString());
        Random random = new Random(12);
        try (BlockDevice d = ImageOpener.open(image, true); RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "rw")) {
            long[] offsets = {0, 100, 1 * MIB + 10, 5000 * 1024 - 7, 9 * MIB + 300, 10 * MIB, 20 * MIB + 1, 33 * MIB - 1000, size - 700};
            for (long o : offsets) {
                write(d, raw, o, (int) Math.min(size - o, 1 + random.nextInt(9000)), random);
            }
            write(d, raw, 12 * MIB + 5, (int) (3 * MIB), random); // thousands of small clusters: refcount blocks and table grow
            for (int k = 0; k < 40; k++) {
                write(d, raw, (long) (random.nextDouble() * (size - 70000)), 1 + random.nextInt(70000), random);
            }
            d.flush();
        }
        qemuCheckClean(image);
        assertEquals(TreeSnapshot.sha256(expected), rawSha(image, tmp));
        assertEquals(TreeSnapshot.sha256(expected), ourSha(image), "and bootmedic reads back what it wrote");
    }

    private static void write(BlockDevice d, RandomAccessFile raw, long offset, int length, Random random) throws IOException {
        byte[] data = new byte[length];
        random.nextBytes(data);
        d.write(offset, ByteBuffer.wrap(data));
        raw.seek(offset);
        raw.write(data);
    }

    @Test
    void aShortL1TableIsReadButNeverWritten() throws Exception {
        Path image = tmp.resolve("l1.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", image.toString(), "1M");
        Tools.ok("qemu-io", "-c", "write -P 0x42 0 4k", image.toString());
        Path expected = tmp.resolve("l1.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), expected.toString());
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw"); RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "rw")) {
            f.seek(24);
            f.writeLong(64 * MIB); // a virtual size its 32-entry L1 table does not cover: qemu says "L1 table is too small"
            raw.setLength(64 * MIB);
        }
        assertEquals(TreeSnapshot.sha256(expected), ourSha(image), "past the end of a short L1 table the disk reads as zeros");
        // qemu will not open it: a fix must not be the first to write to it (the preflight refuses, nothing changes)
        String before = TreeSnapshot.sha256(image);
        Qcow2Exception e = assertThrows(Qcow2Exception.class, () -> ImageOpener.open(image, true));
        assertTrue(e.getMessage().contains("L1 table (32 entries) is too small"), e.getMessage());
        assertEquals(before, TreeSnapshot.sha256(image));
    }

    @Test
    void writesIntoAnImageWithAnInternalSnapshotLeaveTheSnapshotAsItWas() throws Exception {
        Path image = qemuImage("snap.qcow2", "compat=1.1,cluster_size=65536", 24 * MIB);
        Tools.ok("qemu-img", "snapshot", "-c", "before", image.toString());
        Path before = tmp.resolve("before.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), before.toString());
        String snapshotSha = TreeSnapshot.sha256(before);
        Random random = new Random(5);
        try (BlockDevice d = ImageOpener.open(image, true); RandomAccessFile raw = new RandomAccessFile(before.toFile(), "rw")) {
            write(d, raw, 100, 5000, random);          // a shared data cluster: copied
            write(d, raw, 9 * MIB + 70000, 200, random);
            write(d, raw, 20 * MIB, 70000, random);    // an unallocated one
        }
        qemuCheckClean(image);
        assertEquals(TreeSnapshot.sha256(before), rawSha(image, tmp));
        Path snap = tmp.resolve("snap.raw");
        Tools.ok("qemu-img", "convert", "-l", "snapshot.name=before", "-O", "raw", image.toString(), snap.toString());
        assertEquals(snapshotSha, TreeSnapshot.sha256(snap), "the snapshot still holds the old bytes");
    }

    @Test
    void aBackingFileIsReadAndNeverWritten() throws Exception {
        Path base = qemuImage("base.qcow2", "compat=1.1,cluster_size=65536", 24 * MIB);
        Files.createDirectories(tmp.resolve("vm"));
        Path overlay = tmp.resolve("vm/overlay.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", "../base.qcow2", "-F", "qcow2", overlay.toString());
        Tools.ok("qemu-io", "-c", "write -P 0xcd 2M 100k", overlay.toString());
        String baseSha = TreeSnapshot.sha256(base);
        // '../base.qcow2' leaves the overlay's folder: followed only when that folder is named
        assertRefused(overlay, "outside");
        assertEquals(rawSha(overlay, tmp), ourSha(overlay, tmp));

        Path expected = tmp.resolve("overlay.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", overlay.toString(), expected.toString());
        Random random = new Random(9);
        try (BlockDevice d = ImageOpener.open(overlay, true, "--image", tmp); RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "rw")) {
            write(d, raw, 10, 3000, random);           // partly over the base's data: the rest of the cluster comes from it
            write(d, raw, 2 * MIB + 50, 9000, random);
        }
        assertEquals(baseSha, TreeSnapshot.sha256(base), "the backing file is untouched");
        qemuCheckClean(overlay);
        assertEquals(TreeSnapshot.sha256(expected), rawSha(overlay, tmp));

        // a raw backing file, named by an absolute path
        Path rawBase = tmp.resolve("base.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", base.toString(), rawBase.toString());
        Path overRaw = tmp.resolve("over-raw.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", rawBase.toString(), "-F", "raw", overRaw.toString());
        assertEquals(rawSha(overRaw, tmp), ourSha(overRaw));
    }

    @Test
    void backingChainsThatLoopAreTooDeepOrPointNowhereAreRefused() throws Exception {
        Path a = tmp.resolve("a.qcow2");
        Path b = tmp.resolve("b.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", b.toString(), "16M");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", a.toString());
        Tools.ok("qemu-img", "rebase", "-u", "-b", "a.qcow2", "-F", "qcow2", b.toString());
        assertRefused(a, "loops");

        Path prev = tmp.resolve("c0.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", prev.toString(), "16M");
        for (int i = 1; i <= 9; i++) {
            Path next = tmp.resolve("c" + i + ".qcow2");
            Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", prev.getFileName().toString(), "-F", "qcow2", next.toString());
            prev = next;
        }
        assertRefused(prev, "deeper than 8"); // (the message names the image where the chain became too deep)
        try (BlockDevice d = ImageOpener.open(tmp.resolve("c6.qcow2"), false)) {
            assertEquals(16 * MIB, d.size(), "a chain of 7 opens");
        }

        Path missing = tmp.resolve("missing.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", missing.toString(), "16M");
        assertRefused(missing, "does not exist");

        Path nbd = tmp.resolve("nbd.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "nbd://127.0.0.1:1/x", "-F", "raw", nbd.toString(), "16M");
        assertRefused(nbd, "not a file name");

        Path device = tmp.resolve("dev.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "/dev/null", "-F", "raw", device.toString(), "16M");
        assertRefused(device, "character device");
    }

    @Test
    void aBackingFileNameCannotReachAnyFileOfTheHost() throws Exception {
        // an image is input: its header must not make bootmedic read (and copy on write into the image) a host file
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "host secret ".repeat(10_000));
        Path vm = Files.createDirectories(tmp.resolve("vm2"));
        Path absolute = vm.resolve("absolute.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", secret.toString(), "-F", "raw", absolute.toString(), "16M");
        assertRefused(absolute, "outside");
        Path escaping = vm.resolve("escaping.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "../secret.txt", "-F", "raw", escaping.toString(), "16M");
        assertRefused(escaping, "outside");
        // a link inside the folder that leads out of it is judged by where it leads
        Files.createSymbolicLink(vm.resolve("innocent.raw"), secret);
        Path linked = vm.resolve("linked.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "innocent.raw", "-F", "raw", linked.toString(), "16M");
        assertRefused(linked, "outside");
        // and one beside the image is followed
        Path beside = Files.write(vm.resolve("base.raw"), new byte[16 << 20]);
        Path fine = vm.resolve("fine.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", beside.getFileName().toString(), "-F", "raw", fine.toString());
        assertEquals(rawSha(fine, tmp), ourSha(fine));
    }

    private static void assertRefused(Path image, String expected) throws Exception {
        String before = TreeSnapshot.sha256(image);
        for (boolean writable : new boolean[]{false, true}) {
            Qcow2Exception e = assertThrows(Qcow2Exception.class, () -> ImageOpener.open(image, writable).close());
            assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(image.getParent().toString()), e.getMessage());
        }
        assertEquals(before, TreeSnapshot.sha256(image));
    }

    @Test
    void theAllocatedProbeSeesQemuAllocation() throws Exception {
        Path image = qemuImage("p.qcow2", "compat=1.1,cluster_size=65536", 24 * MIB);
        try (BlockDevice d = ImageOpener.open(image, false)) {
            Qcow2BlockDevice q = (Qcow2BlockDevice) d;
            assertTrue(q.allocated(0));
            assertFalse(q.allocated(15 * MIB));
        }
    }

    @Test
    void aBatchOverAFolderTakesQcow2AndVmdkButNotTheBaseOfOverlays() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fleet"));
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(), "16M");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", dir.resolve("vm1.qcow2").toString());
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("vm2.qcow2").toString(), "16M");
        Tools.ok("qemu-img", "create", "-q", "-f", "vmdk", dir.resolve("vm3.vmdk").toString(), "16M");
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        List<String> names = io.bootmedic.batch.BatchTargets.fromDirectory(dir).stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("vm1.qcow2", "vm2.qcow2", "vm3.vmdk"), names);
    }

    @Test
    void anImageARunningQemuHoldsIsNotWrittenAndQemuCannotStartWhileBootmedicWrites() throws Exception {
        Path image = qemuImage("busy.qcow2", "compat=1.1", 24 * MIB);
        String before = TreeSnapshot.sha256(image);
        Process vm = new ProcessBuilder("qemu-io", "-c", "sleep 20000", image.toString()).redirectErrorStream(true).start();
        try {
            Thread.sleep(700);
            assertTrue(vm.isAlive(), "qemu-io holds the image");
            ImageLock.ImageInUseException busy = assertThrows(ImageLock.ImageInUseException.class, () -> ImageOpener.open(image, true));
            assertTrue(busy.getMessage().contains("in use by a running VM (qemu holds its lock)") && busy.getMessage().contains(image.toString()),
                    busy.getMessage());
            try (BlockDevice d = ImageOpener.open(image, false)) {
                assertEquals(24 * MIB, d.size(), "reading (scan) is still possible");
            }
        } finally {
            vm.destroy();
            vm.waitFor();
        }
        assertEquals(before, TreeSnapshot.sha256(image));
        try (BlockDevice d = ImageOpener.open(image, true)) {
            Tools.Result qemu = Tools.run(List.of("qemu-io", "-c", "write 0 512", image.toString()));
            assertTrue(qemu.exit() != 0 && qemu.out().contains("lock"), qemu.out());
            d.write(0, ByteBuffer.allocate(512));
        }
        qemuCheckClean(image);
    }

    @Test
    void aWriteClearsTheBitmapsAutoclearBitItWouldMakeStale() throws Exception {
        Path image = qemuImage("bitmap.qcow2", "compat=1.1", 24 * MIB);
        Tools.ok("qemu-img", "bitmap", "--add", image.toString(), "backup-since-monday");
        try (BlockDevice d = ImageOpener.open(image, true)) {
            d.write(15 * MIB, ByteBuffer.wrap(new byte[]{1, 2, 3}));
        }
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(88);
            assertEquals(0, f.readLong(), "the bitmaps are no longer claimed consistent: an incremental backup must not trust them");
        }
        Tools.Result check = Tools.run(List.of("qemu-img", "check", image.toString()));
        assertFalse(check.out().contains("ERROR"), check.out());
    }
}
