package io.bootmedic.image.vhdx;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VHDX write path against qemu-img: every block table entry of a real qemu-made VHDX set to
 * hostile values (0, -1, every state, onto the headers, the block table, the metadata region,
 * another block, past the end), and the file cut inside its last block. Where qemu cannot read
 * the result, bootmedic must refuse to write, byte-identical; where bootmedic writes, qemu-img
 * compare against qemu's reading of the input with the same writes applied shows no difference.
 */
class VhdxPreflightSweepTest {
    private static final long MB = 1 << 20;
    @TempDir
    Path tmp;

    @Test
    void everyBlockTableEntryAndACutInsideTheLastBlock() throws Exception {
        Path seedPath = tmp.resolve("seed.vhdx");
        Tools.ok("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", seedPath.toString(), "8M");
        Tools.ok("qemu-io", "-f", "vhdx", "-c", "write -P 0x41 0 1536k", "-c", "write -P 0x42 5M 4k", seedPath.toString());
        byte[] seed = Files.readAllBytes(seedPath);
        long bat = batOffset(seed);
        ByteBuffer b = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> present = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long e = b.getLong((int) (bat + 8L * i));
            if ((e & 7) == 6) {
                present.add(e >>> 20);
            }
        }
        assertTrue(present.size() >= 2, "qemu wrote blocks: " + present);
        int refused = 0;
        int written = 0;
        List<String> wrong = new ArrayList<>();
        int n = 0;
        for (int i = 0; i < 9; i++) {
            long original = b.getLong((int) (bat + 8L * i));
            Set<Long> values = new LinkedHashSet<>(List.of(0L, -1L, original | 7, original ^ 6, 4L, 5L,
                    6L, (1L << 20) | 6, (bat / MB) << 20 | 6, (metadataOffset(seed) / MB) << 20 | 6, (seed.length / MB + 5) << 20 | 6,
                    (present.get(0) << 20) | 6, (present.get(1) << 20) | 6, ((long) (seed.length / MB) << 20) | 6));
            for (long v : values) {
                byte[] m = seed.clone();
                ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong((int) (bat + 8L * i), v);
                if (java.util.Arrays.equals(m, seed)) {
                    continue;
                }
                String outcome = run(m, "bat[" + i + "]=" + Long.toHexString(v), n++, wrong);
                refused += outcome.equals("refused") ? 1 : 0;
                written += outcome.equals("written") ? 1 : 0;
            }
        }
        // a copy cut inside its last block: qemu will not open it, and it must not be "fixed in place"
        long lastBlock = present.stream().mapToLong(Long::longValue).max().orElseThrow() * MB;
        for (long cut : new long[] {lastBlock + 4096, lastBlock + MB - 512}) {
            if (cut < seed.length) {
                String outcome = run(java.util.Arrays.copyOf(seed, (int) cut), "cut at " + cut, n++, wrong);
                assertEquals("refused", outcome, "a VHDX cut inside its last block is refused");
                refused++;
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + n + " went wrong:\n" + String.join("\n", wrong));
        assertTrue(refused > 20 && written > 5, "refused " + refused + ", written " + written);
    }

    private String run(byte[] m, String label, int n, List<String> wrong) throws Exception {
        Path image = tmp.resolve("case-" + n + ".vhdx");
        Files.write(image, m);
        Path expected = tmp.resolve("expected.raw");
        Files.deleteIfExists(expected);
        boolean qemuReads = Tools.run(List.of("qemu-img", "convert", "-f", "vhdx", "-O", "raw", image.toString(), expected.toString())).exit() == 0;
        String before = TreeSnapshot.sha256(image);
        try (BlockDevice d = ImageOpener.open(image, true)) {
            applyWrites(d, null);
        } catch (FormatException e) {
            assertTrue(e.getMessage().contains(image.toString()), label + ": " + e.getMessage());
            assertEquals(before, TreeSnapshot.sha256(image), label + ": a refusal changed the image (" + e.getMessage() + ")");
            return "refused";
        }
        if (!qemuReads) {
            wrong.add(label + ": qemu-img cannot read it, but bootmedic wrote");
            return "written";
        }
        try (RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "rw")) {
            applyWrites(null, raw);
        }
        Tools.Result compare = Tools.run(List.of("qemu-img", "compare", "-f", "vhdx", "-F", "raw", image.toString(), expected.toString()));
        if (compare.exit() != 0) {
            wrong.add(label + ": qemu-img compare: " + compare.out().strip());
        }
        return "written";
    }

    private static void applyWrites(BlockDevice d, RandomAccessFile raw) throws Exception {
        Random r = new Random(11);
        for (long at : new long[] {100, MB + 7, 5 * MB + 4000, 7 * MB + 1}) {
            byte[] data = new byte[5000];
            r.nextBytes(data);
            if (d != null) {
                d.write(at, ByteBuffer.wrap(data));
            } else {
                raw.seek(at);
                raw.write(data);
            }
        }
    }

    /** The region table at 192 KiB: 16-byte header, then 32-byte entries (GUID, offset, length, required). */
    private static long region(byte[] image, String guidPrefix) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt(192 * 1024 + 8);
        for (int i = 0; i < count; i++) {
            int at = 192 * 1024 + 16 + 32 * i;
            if (String.format("%08X", b.getInt(at)).equals(guidPrefix)) {
                return b.getLong(at + 16);
            }
        }
        throw new AssertionError("no region " + guidPrefix);
    }

    private static long batOffset(byte[] image) {
        return region(image, "2DC27766");
    }

    private static long metadataOffset(byte[] image) {
        return region(image, "8B7CA206");
    }
}
