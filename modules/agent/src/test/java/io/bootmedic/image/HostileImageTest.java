package io.bootmedic.image;

import io.bootmedic.image.vhdx.VhdxMetadata;
import io.bootmedic.image.vhdx.VhdxRegionTable;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, the image layer: hostile disks built from tool-made images (sgdisk, qemu-img) with
 * patched bytes and recomputed checksums, run through the real command line. A refusal is one
 * line naming the file, exit 2, and the image byte-for-byte unchanged.
 */
class HostileImageTest {
    private static final String FAULTY = PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY;
    @TempDir
    static Path shared;
    static Path practice;
    @TempDir
    Path tmp;

    @BeforeAll
    static void practiceDisk() throws Exception {
        practice = Tools.practiceDisk(shared.resolve("practice.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", practice.toString()).exit);
    }

    private Path copy(String name) throws Exception {
        Path p = tmp.resolve(name);
        Tools.ok("cp", "--sparse=always", practice.toString(), p.toString());
        return p;
    }

    /** The promise for a refusal: exit 2, the file and the reason named, no Java text, not one byte changed. */
    private static Cli refused(Path image, String expected, String... args) throws Exception {
        String before = TreeSnapshot.sha256(image);
        List<String> all = new ArrayList<>(List.of(args));
        Cli r = Cli.run(all.toArray(String[]::new));
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains(image.getFileName().toString()) && r.err.contains(expected), r.err);
        assertFalse(r.err.contains("Exception") || r.err.contains("\tat "), r.err);
        assertEquals(before, TreeSnapshot.sha256(image), "a refusal changes nothing");
        return r;
    }

    // --- #2: GPT LBAs near 2^55 wrap when multiplied by 512 ---

    @Test
    void aGptPartitionNear2To55IsRefusedNotWrappedOntoTheDisk() throws Exception {
        Path disk = copy("wrap.img");
        // (2^55 + first) x 512 wraps to first x 512: on the old reader the entry pointed at the real NTFS partition
        DiskPatch.gptFile(disk, 512, e -> {
            int at = 2 * 128;
            e.putLong(at + 32, e.getLong(at + 32) + (1L << 55));
            e.putLong(at + 40, e.getLong(at + 40) + (1L << 55));
        });
        refused(disk, "GPT partition 3", "fix", "--image", disk.toString());
    }

    // --- #4: two entries for one extent ---

    @Test
    void twoGptEntriesForTheSameExtentAreRefusedNamingBoth() throws Exception {
        Path disk = copy("dup.img");
        DiskPatch.gptFile(disk, 512, e -> {
            byte[] third = new byte[128];
            e.get(2 * 128, third);
            third[16] ^= 1; // another unique GUID, the same sectors
            e.put(3 * 128, third);
        });
        Cli r = refused(disk, "partitions 3 and 4", "fix", "--image", disk.toString());
        assertTrue(r.err.contains("overlap"), r.err);
    }

    @Test
    void overlappingMbrPartitionsAreRefused() throws Exception {
        Path mbr = tmp.resolve("mbr.img");
        Tools.ok("truncate", "-s", "8M", mbr.toString());
        Path layout = Files.writeString(tmp.resolve("layout.sfdisk"), "label: dos\nstart=2048, size=4096, type=7\nstart=8192, size=4096, type=7\n");
        Tools.ok("bash", "-c", "sfdisk --no-reread --no-tell-kernel " + mbr + " < " + layout);
        byte[] second = DiskPatch.read(mbr, 0x1BE + 16, 16);
        DiskPatch.le(second).putInt(8, 4000); // starts inside the first partition
        DiskPatch.write(mbr, 0x1BE + 16, second);
        refused(mbr, "partitions 1 and 2", "scan", "--image", mbr.toString());
    }

    // --- #6: sizes that ask for more memory than there is ---

    /** Runs bootmedic in its own JVM limited to 256 MiB, as the promise states. */
    private static Tools.Result smallJvm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "io.bootmedic.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "bootmedic ended");
        return new Tools.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /**
     * A qemu-made dynamic VHD whose header declares {@code entries} table entries and whose footers
     * declare {@code diskSize} bytes; the file is grown (sparse) so the declared table really fits.
     */
    private Path vhdDeclaring(String name, long entries, long diskSize) throws Exception {
        Path vhd = tmp.resolve(name);
        Tools.ok("qemu-img", "create", "-q", "-f", "vpc", vhd.toString(), "1G");
        byte[] footer = DiskPatch.read(vhd, Files.size(vhd) - 512, 512);
        if (diskSize > 0) {
            ByteBuffer.wrap(footer).putLong(48, diskSize);
            DiskPatch.vhdChecksum(footer, 64);
        }
        long headerAt = ByteBuffer.wrap(footer).getLong(16);
        byte[] header = DiskPatch.read(vhd, headerAt, 1024);
        ByteBuffer.wrap(header).putInt(28, (int) entries);
        DiskPatch.vhdChecksum(header, 36);
        DiskPatch.write(vhd, headerAt, header);
        long end = ByteBuffer.wrap(header).getLong(16) + 4 * entries + (1 << 20);
        DiskPatch.write(vhd, Files.size(vhd) - 512, new byte[512]);
        DiskPatch.write(vhd, 0, footer);
        DiskPatch.write(vhd, end, footer);
        return vhd;
    }

    @Test
    void aDynamicVhdDeclaring64MBatEntriesOpensInBoundedMemory() throws Exception {
        Path vhd = vhdDeclaring("many.vhd", 64 << 20, 0);
        String before = TreeSnapshot.sha256(vhd);
        Tools.Result r = smallJvm("scan", "--image", vhd.toString());
        assertEquals(4, r.exit(), r.out());
        assertTrue(r.out().contains("NO WINDOWS FOUND") && !r.out().contains("OutOfMemoryError"), r.out());
        assertEquals(before, TreeSnapshot.sha256(vhd));
    }

    @Test
    void aDynamicVhdWithMoreBlocksThanTheFormatAllowsIsRefusedBeforeAllocating() throws Exception {
        Path vhd = vhdDeclaring("huge.vhd", 8 << 20, 16L << 40); // 16 TiB in 2 MiB blocks: 8 Mi entries, past a VHD's 2 TiB
        Tools.Result r = smallJvm("scan", "--image", vhd.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("huge.vhd") && r.out().contains("block count") && !r.out().contains("Exception"), r.out());
        Path few = vhdDeclaring("few.vhd", 8, 1L << 50);
        refused(few, "too few", "scan", "--image", few.toString());
    }

    @Test
    void a64TiBVhdxWith1MiBBlocksWorksIn256MiB() throws Exception {
        Path vhdx = tmp.resolve("big.vhdx");
        Tools.ok("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", vhdx.toString(), "64T");
        Tools.Result empty = smallJvm("scan", "--image", vhdx.toString());
        assertEquals(4, empty.exit(), empty.out());
        assertFalse(empty.out().contains("OutOfMemoryError") || empty.out().contains("Exception"), empty.out());

        // the practice disk written into the first 256 MiB of the 64 TiB disk: found, fixed, and qemu-img agrees
        Tools.ok("qemu-img", "convert", "-n", "-f", "raw", "-O", "vhdx", practice.toString(), vhdx.toString());
        Tools.Result fix = smallJvm("fix", "--image", vhdx.toString());
        assertEquals(0, fix.exit(), fix.out());
        assertTrue(Tools.ok("qemu-img", "check", vhdx.toString()).contains("No errors"));
        Path back = tmp.resolve("back.raw");
        Tools.ok("qemu-img", "dd", "-f", "vhdx", "-O", "raw", "bs=1M", "count=256", "if=" + vhdx, "of=" + back);
        Path part = Tools.partition(back, 3, tmp.resolve("part.ntfs"));
        assertEquals(1, Tools.run(List.of("ntfscat", part.toString(), FAULTY)).exit(), "qemu-img sees the file gone");
    }

    // --- #7: a FIFO, a directory or a character device as the disk ---

    @Test
    void aFifoDirectoryOrCharacterDeviceIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("disk.fifo");
        Tools.ok("mkfifo", fifo.toString());
        Path dir = Files.createDirectory(tmp.resolve("disk.d"));
        for (String option : new String[]{"--image", "--device"}) {
            for (Path p : new Path[]{fifo, dir, Path.of("/dev/null")}) {
                Cli r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Cli.run("scan", option, p.toString()));
                assertEquals(2, r.exit, r.toString());
                assertTrue(r.err.contains(option + " " + p) && r.err.contains("not a disk image file or a block device"), r.err);
            }
        }
    }

    // --- #13: a dynamic VHD whose trailing footer is damaged, its copy at offset 0 intact ---

    @Test
    void aDynamicVhdWithADamagedFooterIsReadFromItsCopyAndTheFooterRewrittenOnFix() throws Exception {
        Path vhd = tmp.resolve("footer.vhd");
        Tools.ok("qemu-img", "convert", "-O", "vpc", "-o", "subformat=dynamic,force_size=on", practice.toString(), vhd.toString());
        long end = Files.size(vhd) - 512;
        byte[] good = DiskPatch.read(vhd, end, 512);
        byte[] bad = good.clone();
        bad[70] ^= 0x40; // a bit of the unique ID: the checksum fails
        DiskPatch.write(vhd, end, bad);
        assertEquals(0, Tools.run(List.of("qemu-img", "info", vhd.toString())).exit(), "qemu-img opens it");
        assertEquals(0, Tools.run(List.of("vhdiinfo", vhd.toString())).exit(), "libvhdi opens it");

        String before = TreeSnapshot.sha256(vhd);
        Cli scan = Cli.run("scan", "--image", vhd.toString());
        assertEquals(1, scan.exit, scan.toString());
        assertTrue(scan.err.contains("footer") && scan.err.contains("copy at offset 0"), scan.err);
        assertEquals(before, TreeSnapshot.sha256(vhd), "scan only reads: the damaged footer stays as it was");

        Cli fix = Cli.run("fix", "--image", vhd.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertArrayEquals(DiskPatch.read(vhd, 0, 512), DiskPatch.read(vhd, Files.size(vhd) - 512, 512), "the footer was rewritten from its copy");
        Path back = tmp.resolve("back.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", vhd.toString(), back.toString());
        assertEquals(1, Tools.run(List.of("ntfscat", Tools.partition(back, 3, tmp.resolve("p.ntfs")).toString(), FAULTY)).exit());
    }

    @Test
    void aVhdWithBothFootersDamagedIsRefused() throws Exception {
        Path vhd = tmp.resolve("both.vhd");
        Tools.ok("qemu-img", "create", "-q", "-f", "vpc", vhd.toString(), "64M");
        for (long at : new long[]{0, Files.size(vhd) - 512}) {
            byte[] f = DiskPatch.read(vhd, at, 512);
            f[70] ^= 1;
            DiskPatch.write(vhd, at, f);
        }
        refused(vhd, "both VHD footers are damaged", "fix", "--image", vhd.toString());
    }

    // --- #15: VHDX region tables and metadata ---

    private Path vhdx() throws Exception {
        Path vhdx = tmp.resolve("disk.vhdx");
        Tools.ok("qemu-img", "convert", "-O", "vhdx", practice.toString(), vhdx.toString());
        return vhdx;
    }

    @Test
    void aDamagedBackupRegionTableDoesNotFailAGoodVhdx() throws Exception {
        Path vhdx = vhdx();
        DiskPatch.write(vhdx, 256 * 1024 + 100, new byte[]{0x55});
        String before = TreeSnapshot.sha256(vhdx);
        Cli scan = Cli.run("scan", "--image", vhdx.toString());
        assertEquals(1, scan.exit, scan.toString());
        assertTrue(scan.out.contains("WORK FOUND") && !scan.err.contains("damaged"), scan.toString());
        assertEquals(before, TreeSnapshot.sha256(vhdx));
    }

    @Test
    void aDamagedFirstRegionTableFallsBackToTheBackup() throws Exception {
        Path vhdx = vhdx();
        DiskPatch.write(vhdx, 192 * 1024 + 100, new byte[]{0x55});
        Cli scan = Cli.run("scan", "--image", vhdx.toString());
        assertEquals(1, scan.exit, scan.toString());
        assertTrue(scan.err.contains("region table 1") && scan.err.contains("256 KiB"), scan.err);
    }

    /** Rewrites metadata table entry {@code item} of the VHDX (offset/length fields) with nothing else changed. */
    private static void metadataEntry(Path vhdx, String itemGuid, int offset, int length) throws Exception {
        byte[] rt = DiskPatch.read(vhdx, 192 * 1024, 64 * 1024);
        long meta = -1;
        for (int i = 0; i < DiskPatch.le(rt).getInt(8); i++) {
            if (io.bootmedic.format.LeBytes.of(rt, "rt").guidText(16 + 32 * i).equals(VhdxRegionTable.METADATA_REGION)) {
                meta = DiskPatch.le(rt).getLong(16 + 32 * i + 16);
            }
        }
        byte[] table = DiskPatch.read(vhdx, meta, 64 * 1024);
        io.bootmedic.format.LeBytes t = io.bootmedic.format.LeBytes.of(table, "meta");
        for (int i = 0; i < t.u16(10); i++) {
            if (t.guidText(32 + 32 * i).equals(itemGuid)) {
                DiskPatch.le(table).putInt(32 + 32 * i + 16, offset == -1 ? DiskPatch.le(table).getInt(32 + 32 * i + 16) : offset);
                DiskPatch.le(table).putInt(32 + 32 * i + 20, length);
            }
        }
        DiskPatch.write(vhdx, meta, table);
    }

    @Test
    void aVhdxMetadataItemTooShortForItsFieldIsRefused() throws Exception {
        Path vhdx = vhdx();
        metadataEntry(vhdx, VhdxMetadata.FILE_PARAMETERS, -1, 2);
        refused(vhdx, "lies past its end", "fix", "--image", vhdx.toString());
    }

    @Test
    void aVhdxMetadataItemOutsideItsRegionIsRefused() throws Exception {
        Path vhdx = vhdx();
        metadataEntry(vhdx, VhdxMetadata.VIRTUAL_DISK_SIZE, Integer.MAX_VALUE, 8);
        refused(vhdx, "metadata item", "fix", "--image", vhdx.toString());
    }

    @Test
    void aVhdxDeclaringAnExabyteDiskIsRefusedBeforeItsTableIsSized() throws Exception {
        Path vhdx = vhdx();
        byte[] rt = DiskPatch.read(vhdx, 192 * 1024, 64 * 1024);
        long meta = DiskPatch.le(rt).getLong(16 + 32 + 16);
        byte[] table = DiskPatch.read(vhdx, meta, 64 * 1024);
        io.bootmedic.format.LeBytes t = io.bootmedic.format.LeBytes.of(table, "meta");
        for (int i = 0; i < t.u16(10); i++) {
            if (t.guidText(32 + 32 * i).equals(VhdxMetadata.VIRTUAL_DISK_SIZE)) {
                DiskPatch.write(vhdx, meta + t.u32(32 + 32 * i + 16), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 61).array());
            }
        }
        refused(vhdx, "virtual disk size", "fix", "--image", vhdx.toString());
    }

    // --- #16: 4K-native disks ---

    @Test
    void aFourKNativeGptDiskIsScannedAndFixedAsImageAndAsDevice() throws Exception {
        Path disk = tmp.resolve("4k.img");
        Tools.ok("truncate", "-s", "192M", disk.toString());
        Tools.Result attach = Tools.run(List.of("losetup", "-f", "--show", "--sector-size", "4096", disk.toString()));
        Assumptions.assumeTrue(attach.exit() == 0, () -> "skipped: no loop device with 4096-byte sectors here (needs root): " + attach.out().strip());
        String loop = attach.out().strip();
        long first;
        long last;
        try {
            Tools.ok("sgdisk", "-n", "1:0:+16M", "-t", "1:0c01", "-n", "2:0:0", "-t", "2:0700", loop);
            String info = Tools.ok("sgdisk", "-i", "2", loop);
            first = Long.parseLong(info.replaceAll("(?s).*First sector: (\\d+).*", "$1"));
            last = Long.parseLong(info.replaceAll("(?s).*Last sector: (\\d+).*", "$1"));
        } finally {
            Tools.run(List.of("losetup", "-d", loop));
        }
        assertEquals("EFI PART", new String(DiskPatch.read(disk, 4096, 8), StandardCharsets.US_ASCII), "sgdisk laid it out for 4096-byte sectors");
        Path part = tmp.resolve("4k.ntfs");
        Tools.ok("truncate", "-s", Long.toString((last - first + 1) * 4096), part.toString());
        Tools.ok("mkntfs", "-F", "-f", "-Q", "-q", "-s", "4096", "-p", Long.toString(first), "-H", "255", "-S", "63", "-L", "Windows", part.toString());
        Tools.ok("dd", "if=" + part, "of=" + disk, "bs=4096", "seek=" + first, "conv=notrunc,sparse", "status=none");

        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        Cli scan = Cli.run("scan", "--image", disk.toString());
        assertEquals(1, scan.exit, scan.toString());
        Tools.Result again = Tools.run(List.of("losetup", "-f", "--show", "--sector-size", "4096", disk.toString()));
        String dev = again.out().strip();
        try {
            Cli byDevice = Cli.run("fix", "--device", dev);
            assertEquals(0, byDevice.exit, byDevice.toString());
            Tools.ok("blockdev", "--flushbufs", dev);
        } finally {
            Tools.run(List.of("losetup", "-d", dev));
        }
        Path after = tmp.resolve("after.ntfs");
        Tools.ok("dd", "if=" + disk, "of=" + after, "bs=4096", "skip=" + first, "count=" + (last - first + 1), "conv=sparse", "status=none");
        assertEquals(1, Tools.run(List.of("ntfscat", after.toString(), FAULTY)).exit(), "ntfs-3g no longer finds the faulty file");
        Tools.ok("ntfsfix", "-n", after.toString());
        Cli clean = Cli.run("scan", "--image", disk.toString());
        assertEquals(0, clean.exit, clean.toString());
    }

    // --- #18: the advice fits an image ---

    @Test
    void noWindowsOnAnImageGivesAdviceAboutTheDiskNotAboutRoot() throws Exception {
        Path disk = tmp.resolve("data.img");
        Tools.ok("truncate", "-s", "16M", disk.toString());
        Tools.ok("sgdisk", "-n", "1:0:0", "-t", "1:0700", disk.toString());
        Cli r = Cli.run("scan", "--image", disk.toString());
        assertEquals(4, r.exit, r.toString());
        assertTrue(r.out.contains("NO WINDOWS FOUND") && r.out.contains("system disk") && !r.out.contains("--root"), r.out);
    }
}
