package io.bootmedic.image.qcow2;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.testutil.GrowingMemoryDevice;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The qcow2 parser under mutation: each header field flipped and zeroed in turn, the file cut at
 * each structure boundary, L1, L2 and refcount entries damaged. Opening and reading may only end
 * normally or in a {@link FormatException} with a message, the input is unchanged afterwards,
 * and a write either works or is refused the same way.
 */
class Qcow2MutationTest {
    /** Header fields of version 3: offset and width. */
    private static final int[][] FIELDS = {{0, 4}, {4, 4}, {8, 8}, {16, 4}, {20, 4}, {24, 8}, {32, 4}, {36, 4}, {40, 8}, {48, 8},
            {56, 4}, {60, 4}, {64, 8}, {72, 8}, {80, 8}, {88, 8}, {96, 4}, {100, 4}, {104, 1}};
    @TempDir
    static Path tmp;
    static final Map<String, byte[]> SEEDS = new LinkedHashMap<>();

    @BeforeAll
    static void seeds() throws Exception {
        make("v3-512", "compat=1.1,cluster_size=512", false);
        make("v2-4k", "compat=0.10,cluster_size=4096", false);
        make("v3-64k-compressed", "compat=1.1,cluster_size=65536", true);
        make("v3-512-refcount1", "compat=1.1,cluster_size=512,refcount_bits=1", false);
    }

    private static void make(String name, String options, boolean compress) throws Exception {
        Path image = tmp.resolve(name + ".qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", options, image.toString(), "2M");
        Tools.ok("qemu-io", "-c", "write -P 0x61 0 5k", "-c", "write -P 0x62 1M 1k", image.toString());
        if (compress) {
            Path packed = tmp.resolve(name + "-c.qcow2");
            Tools.ok("qemu-img", "convert", "-c", "-O", "qcow2", "-o", options, image.toString(), packed.toString());
            image = packed;
        }
        SEEDS.put(name, Files.readAllBytes(image));
    }

    /** Opens, reads the whole (small) disk or the first MiB of a large one, then writes a little into a growable copy. */
    private static void exercise(byte[] image) {
        byte[] before = image.clone();
        MemoryBlockDevice memory = new MemoryBlockDevice(image);
        Hostile.parseOrRefuse(() -> {
            try (Qcow2BlockDevice d = Qcow2BlockDevice.openReadOnly(memory)) {
                long n = Math.min(d.size(), 1 << 21);
                d.read(0, ByteBuffer.allocate((int) n));
                d.read(d.size() - Math.min(d.size(), 4096), ByteBuffer.allocate((int) Math.min(d.size(), 4096)));
            }
        });
        assertFalse(memory.written());
        assertArrayEquals(before, image, "reading changed no byte");
        GrowingMemoryDevice growing = new GrowingMemoryDevice(image.clone());
        Hostile.parseOrRefuse(() -> {
            Qcow2BlockDevice d;
            try {
                d = Qcow2BlockDevice.open(growing, growing::extend, null, true, 0, Qcow2Backing.Chain.NONE);
            } catch (FormatException refused) {
                assertArrayEquals(before, growing.bytes(), "a refused open wrote nothing");
                throw refused;
            }
            try (d) {
                for (long at : new long[]{0, 700, 1 << 20, d.size() / 2 + 3, d.size() - 100}) {
                    if (at >= 0 && at + 100 <= d.size()) {
                        d.write(at, ByteBuffer.wrap(new byte[100]));
                    }
                }
            }
        });
    }

    @Test
    void everyHeaderFieldFlippedOrZeroed() {
        int cases = 0;
        for (byte[] seed : SEEDS.values()) {
            for (int[] f : FIELDS) {
                for (int mode = 0; mode < 4; mode++) {
                    byte[] m = seed.clone();
                    for (int k = f[0]; k < f[0] + f[1]; k++) {
                        m[k] = switch (mode) {
                            case 0 -> 0;
                            case 1 -> (byte) ~m[k];
                            case 2 -> (byte) 0xFF;
                            default -> (byte) (m[k] ^ (k == f[0] + f[1] - 1 ? 1 : 0)); // lowest bit of the big-endian value
                        };
                    }
                    exercise(m);
                    cases++;
                }
            }
        }
        assertTrue(cases > 200, "ran " + cases);
    }

    /** Offsets where one structure ends and the next begins: the header, the L1 and refcount tables, each cluster. */
    private static Set<Integer> boundaries(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image);
        int clusterSize = 1 << b.getInt(20);
        Set<Integer> cuts = new TreeSet<>(List.of(0, 3, 4, 20, 72, 100, 104, 112, image.length - 1));
        for (int c = 0; c <= image.length; c += clusterSize) {
            cuts.add(c);
            cuts.add(Math.max(0, c - 1));
            cuts.add(Math.min(image.length, c + 8));
        }
        for (long o : new long[]{b.getLong(40), b.getLong(40) + b.getInt(36) * 8L, b.getLong(48), b.getLong(48) + 8}) {
            if (o < image.length) {
                cuts.add((int) o);
            }
        }
        cuts.removeIf(c -> c >= image.length);
        return cuts;
    }

    @Test
    void cutAtEachStructureBoundary() {
        for (byte[] seed : SEEDS.values()) {
            for (int cut : boundaries(seed)) {
                exercise(Arrays.copyOf(seed, cut));
            }
        }
    }

    @Test
    void damagedL1L2AndRefcountEntries() {
        long[] bad = {1, 0x1FF, 0x200, 1L << 55, (1L << 56) - 512, 0x7FFF_FFFF_FFFF_FE00L, -1, 1L << 62, (1L << 62) | 0x3FFF_FFFF_FFFFL,
                (1L << 63) | 0x200, 0x10000, 0xFFFF_FFFFL};
        int cases = 0;
        for (byte[] seed : SEEDS.values()) {
            ByteBuffer b = ByteBuffer.wrap(seed);
            long l1 = b.getLong(40);
            long reftable = b.getLong(48);
            long l2 = b.getLong((int) l1) & Qcow2BlockDevice.OFFSET_MASK;
            long block = b.getLong((int) reftable) & ~0x1FFL;
            List<Long> entries = new ArrayList<>(List.of(l1, reftable, l1 + 8, reftable + 8));
            if (l2 != 0 && l2 < seed.length) {
                entries.add(l2);
                entries.add(l2 + 8);
            }
            for (long at : entries) {
                for (long v : bad) {
                    byte[] m = seed.clone();
                    ByteBuffer.wrap(m).putLong((int) at, v);
                    exercise(m);
                    cases++;
                }
            }
            if (block != 0 && block + 16 <= seed.length) {
                for (int k = 0; k < 16; k++) {
                    byte[] zeroed = seed.clone();
                    zeroed[(int) block + k] = 0; // a used cluster counted as free: a write there must be refused, not corrupt the image
                    exercise(zeroed);
                    byte[] full = seed.clone();
                    full[(int) block + k] = (byte) 0xFF;
                    exercise(full);
                    cases += 2;
                }
            }
        }
        assertTrue(cases > 100, "ran " + cases);
    }

    @Test
    void aUsedClusterCountedFreeIsRefusedBeforeAnyWrite() throws Exception {
        byte[] seed = SEEDS.get("v3-512");
        ByteBuffer b = ByteBuffer.wrap(seed);
        long l2 = b.getLong((int) b.getLong(40)) & Qcow2BlockDevice.OFFSET_MASK;
        long data = b.getLong((int) l2) & Qcow2BlockDevice.OFFSET_MASK;
        long block = b.getLong((int) b.getLong(48)) & ~0x1FFL;
        byte[] m = seed.clone();
        ByteBuffer.wrap(m).putShort((int) (block + (data / 512) * 2), (short) 0);
        GrowingMemoryDevice g = new GrowingMemoryDevice(m.clone());
        // the preflight finds it when the image is opened for writing, before any write is even asked for
        Qcow2Exception e = org.junit.jupiter.api.Assertions.assertThrows(Qcow2Exception.class,
                () -> Qcow2BlockDevice.open(g, g::extend, null, true, 0, Qcow2Backing.Chain.NONE));
        assertTrue(e.getMessage().contains("refcount is 0"), e.getMessage());
        assertArrayEquals(m, g.bytes());
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeAllocating() {
        byte[] seed = SEEDS.get("v3-512");
        for (int[] field : new int[][]{{36, 4}, {56, 4}, {60, 4}, {16, 4}, {100, 4}}) {
            byte[] m = seed.clone();
            ByteBuffer.wrap(m).putInt(field[0], 0x7FFF_FFFF);
            Hostile.parseOrRefuse(() -> Qcow2BlockDevice.openReadOnly(new MemoryBlockDevice(m)).close());
        }
        byte[] size = seed.clone();
        ByteBuffer.wrap(size).putLong(24, Long.MAX_VALUE);
        Hostile.parseOrRefuse(() -> Qcow2BlockDevice.openReadOnly(new MemoryBlockDevice(size)).close());
    }

    @Test
    void aLegal64TiBImageOpensReadsAndWritesWithoutLoadingItsTables(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("big.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64T");
        long at = (63L << 40) + 12345;
        try (BlockDevice d = ImageOpener.open(image, true)) {
            assertEquals(64L << 40, d.size());
            d.write(at, ByteBuffer.wrap("bootmedic".getBytes()));
            ByteBuffer back = ByteBuffer.allocate(9);
            d.read(at, back);
            assertEquals("bootmedic", new String(back.array()));
        }
        assertTrue(Files.size(image) < 4 << 20, "only a few clusters were added: " + Files.size(image));
        Qcow2Test.qemuCheckClean(image);
        String out = Tools.ok("qemu-io", "-c", "read -P 0x62 " + (at + 0) + " 1", image.toString()); // 'b'
        assertTrue(out.contains("read 1/1 bytes"), out);
    }
}
