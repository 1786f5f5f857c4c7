package io.bootmedic.image;

import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;
import io.bootmedic.image.vhd.VhdBlockDevice;
import io.bootmedic.image.vhdx.VhdxBlockDevice;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** VHD and VHDX made by qemu-img: read like the raw disk, written so that qemu-img reads our bytes. */
class ImageFormatsTest {
    @TempDir
    static Path shared;
    static Path raw;
    static String rawSha;
    @TempDir
    Path tmp;

    @BeforeAll
    static void practiceDisk() throws Exception {
        raw = Tools.practiceDisk(shared.resolve("disk.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", raw.toString()).exit);
        rawSha = TreeSnapshot.sha256(raw);
    }

    private Path convert(String format) throws Exception {
        Path out = tmp.resolve("disk." + format.replace(",", "_").replace("=", "-"));
        String[] f = format.split(":");
        if (f.length == 2) {
            Tools.ok("qemu-img", "convert", "-O", f[0], "-o", f[1], raw.toString(), out.toString());
        } else {
            Tools.ok("qemu-img", "convert", "-O", format, raw.toString(), out.toString());
        }
        return out;
    }


    @ParameterizedTest
    @ValueSource(strings = {"vpc:subformat=fixed,force_size=on", "vpc:subformat=dynamic,force_size=on", "vhdx"})
    void readsTheSameBytesAsTheRawDiskAndRepairsIt(String format) throws Exception {
        Path image = convert(format);
        try (BlockDevice d = ImageOpener.open(image, false)) {
            assertEquals(Files.size(raw), d.size());
            assertEquals(rawSha, io.bootmedic.testutil.DeviceHash.sha256(d), "every byte of the virtual disk equals the raw disk's");
        }
        Cli fix = Cli.run("fix", "--image", image.toString());
        assertEquals(0, fix.exit, fix.toString());
        if (format.equals("vhdx")) {
            assertTrue(Tools.ok("qemu-img", "check", image.toString()).contains("No errors"));
        }
        Path back = tmp.resolve("back.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), back.toString());
        Path part = Tools.partition(back, 3, tmp.resolve("part.ntfs"));
        assertEquals(1, Tools.run(java.util.List.of("ntfscat", part.toString(), PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY)).exit(),
                "qemu-img sees the file gone");
        Tools.ok("ntfsfix", "-n", part.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc:subformat=dynamic,force_size=on", "vhdx"})
    void writesIntoUnallocatedBlocksAllocateThem(String format) throws Exception {
        Path image = convert(format);
        long before = Files.size(image);
        byte[] pattern = new byte[8192];
        new java.util.Random(7).nextBytes(pattern);
        long offset = -1;
        try (BlockDevice d = ImageOpener.open(image, true)) {
            for (long o = 1 << 20; o < d.size() && offset < 0; o += 1 << 20) {
                boolean allocated = d instanceof VhdBlockDevice v ? v.allocated(o) : ((VhdxBlockDevice) d).allocated(o);
                offset = allocated ? -1 : o + 4096;
            }
            assertTrue(offset > 0, "the practice disk has an unallocated block");
            d.write(offset, ByteBuffer.wrap(pattern));
            d.flush();
        }
        assertTrue(Files.size(image) > before, "the image grew by a block");
        Path back = tmp.resolve("back.raw");
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), back.toString());
        try (RandomAccessFile f = new RandomAccessFile(back.toFile(), "r")) {
            byte[] read = new byte[pattern.length];
            f.seek(offset);
            f.readFully(read);
            assertArrayEquals(pattern, read);
        }
        if (format.equals("vhdx")) {
            assertTrue(Tools.ok("qemu-img", "check", image.toString()).contains("No errors"));
        }
    }

    @Test
    void aVhdxWithAnUnreplayedLogRefusesToWrite() throws Exception {
        Path image = convert("vhdx");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            for (long at : new long[]{64 * 1024, 128 * 1024}) {
                byte[] h = new byte[4096];
                f.seek(at);
                f.readFully(h);
                ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
                b.put(48, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}); // LogGuid
                b.putInt(4, 0);
                CRC32C crc = new CRC32C();
                crc.update(h);
                b.putInt(4, (int) crc.getValue());
                f.seek(at);
                f.write(h);
            }
        }
        String before = TreeSnapshot.sha256(image);
        try (BlockDevice d = ImageOpener.open(image, true)) {
            assertTrue(d.isReadOnly());
            IOException e = assertThrows(IOException.class, () -> d.write(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("log"), e.getMessage());
        }
        assertEquals(before, TreeSnapshot.sha256(image));
    }

    @Test
    void damagedAndTruncatedImagesAreClearErrors() throws Exception {
        Path vhd = convert("vpc:subformat=dynamic,force_size=on");
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "rw")) {
            f.setLength(f.length() - 4096);
        }
        ImageFormatException cut = assertThrows(ImageFormatException.class, () -> ImageOpener.open(vhd, false));
        assertTrue(cut.getMessage().contains("cut short"), cut.getMessage());

        Path vhdx = convert("vhdx");
        try (RandomAccessFile f = new RandomAccessFile(vhdx.toFile(), "rw")) {
            f.seek(64 * 1024 + 100);
            f.write(0x55);
            f.seek(128 * 1024 + 100);
            f.write(0x55);
        }
        ImageFormatException headers = assertThrows(ImageFormatException.class, () -> ImageOpener.open(vhdx, false));
        assertTrue(headers.getMessage().contains("both VHDX headers"), headers.getMessage());

        Cli viaCli = Cli.run("fix", "--image", vhdx.toString());
        assertEquals(2, viaCli.exit, "a refused input");
        assertTrue(viaCli.err.contains("both VHDX headers") && !viaCli.err.contains("Exception"), viaCli.err);
    }
}
