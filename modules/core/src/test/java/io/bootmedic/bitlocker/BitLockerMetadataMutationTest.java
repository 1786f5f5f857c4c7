package io.bootmedic.bitlocker;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.testutil.BitLockerImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutation tests for {@link BitLockerMetadata} on Windows-made volumes (../shared) and on the
 * builder-made encrypt-on-write seed of the fuzz corpus: every field of the volume header and of a
 * metadata block flipped and zeroed in turn (with the CRC-32 recomputed so the parser meets the
 * mutation, and without, so the next copy is used), every entry truncated, one copy damaged at a
 * time and then two, the volume cut at each structure boundary. Only BitLockerFormatException may
 * escape, and nothing is ever written.
 */
class BitLockerMetadataMutationTest {
    /** The parts of a volume the parser reads, kept in memory; writes fail the test. */
    static class Parts implements BlockDevice {
        final TreeMap<Long, byte[]> parts = new TreeMap<>();
        long size;

        Parts(long size) {
            this.size = size;
        }

        Parts copy() {
            Parts p = new Parts(size);
            parts.forEach((k, v) -> p.parts.put(k, v.clone()));
            return p;
        }

        byte[] at(long offset) {
            return parts.get(offset);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public int sectorSize() {
            return 512;
        }

        @Override
        public boolean isReadOnly() {
            return true;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            checkRange(offset, dst.remaining());
            int n = dst.remaining();
            byte[] out = new byte[n];
            for (var e : parts.entrySet()) {
                long from = Math.max(offset, e.getKey());
                long to = Math.min(offset + n, e.getKey() + e.getValue().length);
                if (from < to) {
                    System.arraycopy(e.getValue(), (int) (from - e.getKey()), out, (int) (from - offset), (int) (to - from));
                }
            }
            dst.put(out);
        }

        @Override
        public void write(long offset, ByteBuffer src) {
            fail("the parser wrote " + src.remaining() + " bytes at " + offset);
        }

        @Override
        public void flush() {
        }

        @Override
        public String describe() {
            return "mutated volume";
        }

        @Override
        public void close() {
        }
    }

    static Parts realImage(String name) throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(BitLockerImages.image(name), false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            Parts p = new Parts(dev.size());
            p.parts.put(0L, dev.read(0, 512));
            for (long m : md.metadataOffsets) {
                p.parts.put(m, dev.read(m, BitLockerMetadata.METADATA_AREA));
            }
            return p;
        }
    }

    /** Parses; only BitLockerFormatException (with a message) may escape; the bytes must be as they were. */
    static BitLockerMetadata parseOrRefuse(Parts p) {
        Parts before = p.copy();
        try {
            BitLockerMetadata md = BitLockerMetadata.read(p);
            md.stateDescription(p.size());
            try {
                if (md.decrypted()) {
                    BitLockerBlockDevice.decrypted(p, md).read(0, 4096);
                } else {
                    new BitLockerBlockDevice(p, md, new byte[64]).read(0, 4096);
                }
            } catch (FormatException | java.io.EOFException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            }
            return md;
        } catch (BitLockerFormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a message");
            return null;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("escaped: " + e, e);
        } finally {
            assertEquals(before.parts.keySet(), p.parts.keySet());
            before.parts.forEach((k, v) -> assertTrue(Arrays.equals(v, p.parts.get(k)), "bytes at " + k + " changed"));
        }
    }

    /** Volume header fields (offset, width) of a "-FVE-FS-" volume. */
    private static final int[][] HEADER_FIELDS = {{0, 3}, {3, 8}, {11, 2}, {13, 1}, {160, 16}, {176, 8}, {184, 8}, {192, 8}, {200, 8}, {208, 8}, {510, 2}};
    /** Metadata block header (0-63), metadata header (64-111). */
    private static final int[][] BLOCK_FIELDS = {{0, 8}, {8, 2}, {10, 2}, {12, 2}, {14, 2}, {16, 8}, {24, 4}, {28, 4}, {32, 8}, {40, 8}, {48, 8},
            {56, 8}, {64, 4}, {68, 4}, {72, 4}, {76, 4}, {80, 16}, {96, 4}, {100, 2}, {102, 2}, {104, 8}};

    @ParameterizedTest
    @ValueSource(strings = {"aes-xts-128", "togo-aes-cbc-128", "aes-xts-128-eow"})
    void everyHeaderFieldFlippedAndZeroed(String image) throws Exception {
        Parts base = realImage(image);
        int guidAt = image.startsWith("togo") ? 424 : 160;
        for (int[] f : HEADER_FIELDS) {
            int at = f[0] >= 160 && f[0] < 510 ? f[0] - 160 + guidAt : f[0];
            for (boolean zero : new boolean[]{false, true}) {
                Parts p = base.copy();
                mutate(p.at(0), at, f[1], zero);
                parseOrRefuse(p);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-xts-128", "togo-aes-xts-128", "aes-xts-128-new-entry"})
    void everyBlockFieldFlippedAndZeroedWithAndWithoutItsCrc(String image) throws Exception {
        Parts base = realImage(image);
        long first = base.parts.keySet().stream().filter(k -> k > 0).findFirst().orElseThrow();
        for (int[] f : BLOCK_FIELDS) {
            for (boolean zero : new boolean[]{false, true}) {
                Parts p = base.copy();
                mutate(p.at(first), f[0], f[1], zero);
                BitLockerMetadata md = parseOrRefuse(p);
                boolean changed = !Arrays.equals(p.at(first), base.at(first));
                assertTrue(md != null && md.usedCopy == (changed ? 2 : 1), "a copy whose CRC-32 fails is passed over: field at " + f[0]);
                recomputeCrc(p.at(first));
                parseOrRefuse(p);
            }
        }
    }

    @Test
    void everyEntryTruncatedOrOverlong() throws Exception {
        Parts base = realImage("aes-xts-128-first-recovery");
        long first = base.parts.keySet().stream().filter(k -> k > 0).findFirst().orElseThrow();
        List<Integer> entries = entryOffsets(base.at(first));
        assertTrue(entries.size() >= 4);
        for (int at : entries) {
            int size = Short.toUnsignedInt(le(base.at(first)).getShort(at));
            for (int s : new int[]{0, 1, 7, 8, 9, 24, 35, 36, 37, 47, size / 2, size - 1, size + 1, 0x7FFF, 0xFFFF}) {
                Parts p = base.copy();
                le(p.at(first)).putShort(at, (short) s);
                recomputeCrc(p.at(first));
                BitLockerMetadata md = parseOrRefuse(p);
                assertTrue(md != null, "a damaged copy 1 never stops the run: copy 2 is whole (entry at " + at + ", size " + s + ")");
            }
        }
    }

    @Test
    void oneCopyDamagedAtATimeThenTwoThenAll() throws Exception {
        Parts base = realImage("aes-xts-128");
        List<Long> copies = new ArrayList<>(base.parts.keySet().stream().filter(k -> k > 0).toList());
        for (int i = 0; i < 3; i++) {
            Parts p = base.copy();
            p.at(copies.get(i))[200] ^= 0x5A;
            assertEquals(i == 0 ? 2 : 1, parseOrRefuse(p).usedCopy);
        }
        for (int skip = 0; skip < 3; skip++) {
            Parts p = base.copy();
            for (int i = 0; i < 3; i++) {
                if (i != skip) {
                    p.at(copies.get(i))[200] ^= 0x5A;
                }
            }
            assertEquals(skip + 1, parseOrRefuse(p).usedCopy);
        }
        Parts all = base.copy();
        for (long c : copies) {
            all.at(c)[8] = 0x7F; // impossible block sizes, each its own problem
        }
        BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> BitLockerMetadata.read(all));
        for (int i = 1; i <= 3; i++) {
            assertTrue(e.getMessage().contains("copy " + i + ": "), e.getMessage());
        }
    }

    @Test
    void cutAtEveryStructureBoundary() throws Exception {
        Parts base = realImage("aes-xts-128");
        List<Long> cuts = new ArrayList<>(List.of(0L, 1L, 511L, 512L, 513L));
        for (long c : base.parts.keySet()) {
            if (c > 0) {
                cuts.addAll(List.of(c, c + 64, c + 112, c + 1000, c + BitLockerMetadata.METADATA_AREA - 1, c + BitLockerMetadata.METADATA_AREA));
            }
        }
        for (long cut : cuts) {
            Parts p = base.copy();
            p.size = cut;
            p.parts.values().removeIf(v -> false);
            parseOrRefuse(p);
        }
    }

    /** The encrypt-on-write seed of the fuzz corpus: each field of the EOW information and the first bitmap, with and without CRC. */
    @Test
    void everyEncryptOnWriteFieldFlipped() throws Exception {
        byte[] input = Files.readAllBytes(Path.of("modules/core/src/test/resources/io/bootmedic/fuzz/BitLockerMetadataFuzzTestInputs/volume/encrypt-on-write"));
        byte[] disk = io.bootmedic.fuzz.FuzzLayout.layOut(input);
        Parts base = new Parts(disk.length);
        base.parts.put(0L, disk);
        assertTrue(parseOrRefuse(base).eow != null, "the seed's map parses");
        int eow = io.bootmedic.fuzz.FuzzLayout.EOW_AREA;
        int[] starts = {eow, eow + 0x2000, eow + 0x2200};
        int[] lengths = {72, 60, 36};
        for (int s = 0; s < starts.length; s++) {
            for (int at = 0; at < lengths[s]; at++) {
                for (boolean zero : new boolean[]{false, true}) {
                    Parts p = base.copy();
                    mutate(p.at(0), starts[s] + at, 1, zero);
                    parseOrRefuse(p);
                }
            }
        }
    }

    private static void mutate(byte[] b, int at, int width, boolean zero) {
        for (int i = at; i < at + width; i++) {
            b[i] = zero ? 0 : (byte) ~b[i];
        }
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void recomputeCrc(byte[] block) {
        int blockSize = Short.toUnsignedInt(le(block).getShort(8)) << 4;
        if (blockSize < 112 || blockSize + 8 > block.length) {
            return;
        }
        CRC32 crc = new CRC32();
        crc.update(block, 0, blockSize);
        le(block).putInt(blockSize + 4, (int) crc.getValue());
    }

    private static List<Integer> entryOffsets(byte[] block) {
        List<Integer> out = new ArrayList<>();
        int end = 64 + le(block).getInt(64);
        for (int at = 64 + 48; at + 8 <= end; ) {
            int s = Short.toUnsignedInt(le(block).getShort(at));
            if (s == 0) {
                break;
            }
            out.add(at);
            at += s;
        }
        return out;
    }
}
