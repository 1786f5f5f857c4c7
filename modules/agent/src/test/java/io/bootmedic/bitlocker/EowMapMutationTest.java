package io.bootmedic.bitlocker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.bitlocker.BitLockerMetadataMutationTest.Parts;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.testutil.BitLockerImages;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 21: the encrypt-on-write map reader trusts nothing. Maps are built as Windows lays them out
 * (dissect.fve's Windows-made eow_partial: two FVE-EOW copies, one FVE-EOWBM block per region with
 * two FVE-EOWBR records, the first region from byte 8192, one region for the relocated boot
 * sectors, the last ending at the volume's end), on the metadata of the Windows-made
 * {@code aes-xts-128-eow} where the map is placed for the CLI, synthesised in memory everywhere
 * else. Hostile cases first: the same bitmap twice, overlapping regions (refused at that bitmap,
 * before the next is read), a region past the end of the volume (damage: exit 2, one line naming
 * the image and the bitmap, nothing written), gaps, and a map whose bitmaps ask for far more bytes
 * than any volume needs (reading stops at {@link EowMap#MAX_READ}). Then every field of the
 * information, of each bitmap block and of each record is set to 0, -1, past the end, overlapping,
 * repeated, huge and unaligned, with its CRC-32 recomputed (so the reader meets the value) and
 * without: each ends in a one-line BitLockerFormatException or in a map that covers the volume
 * and says, for every chunk, what one of the records built for that region says. Nothing is ever
 * written (the device fails the test on a write).
 */
class EowMapMutationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SECTOR = 512;

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- the map builder

    /** A Parts device that counts what is read and where. */
    static final class Counting extends Parts {
        long bytesRead;
        final List<Long> offsetsRead = new ArrayList<>();

        Counting(long size) {
            super(size);
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            bytesRead += dst.remaining();
            offsetsRead.add(offset);
            super.read(offset, dst);
        }

        @Override
        Counting copy() {
            Counting c = new Counting(size);
            parts.forEach((k, v) -> c.parts.put(k, v.clone()));
            return c;
        }
    }

    /** Where a built map's structures are, and what each region's two records say. */
    static final class Built {
        long size;
        int chunk;
        long[] infoAt;
        long[][] regions;
        long[] bitmapAt;
        int[] recordAt0;
        int recordSize;
        /** [region][slot] bits as built, and which slot is in force (the higher sequence number). */
        byte[][][] bits;
        int[] inForce;
    }

    /**
     * Windows' layout: info copies at {@code infoAt}, bitmaps from {@code firstBitmap} on, each
     * block a header sector and two record sectors, its conversion log right after it.
     */
    static Built layout(long size, int chunk, long[] infoAt, long firstBitmap, long[][] regions) {
        Built b = new Built();
        b.size = size;
        b.chunk = chunk;
        b.infoAt = infoAt;
        b.regions = regions;
        b.bitmapAt = new long[regions.length];
        b.recordAt0 = new int[regions.length];
        long maxChunks = 0;
        for (long[] r : regions) {
            maxChunks = Math.max(maxChunks, (r[1] - 1) / chunk + 1);
        }
        b.recordSize = (int) ((36 + (maxChunks + 7) / 8 + SECTOR - 1) / SECTOR * SECTOR);
        long blockSpan = ((SECTOR + 2L * b.recordSize + 4095) / 4096) * 4096;
        for (int i = 0; i < regions.length; i++) {
            b.bitmapAt[i] = firstBitmap + i * (blockSpan + 4096);
            b.recordAt0[i] = SECTOR;
        }
        b.bits = new byte[regions.length][2][];
        b.inForce = new int[regions.length];
        for (int i = 0; i < regions.length; i++) {
            long chunks = (regions[i][1] - 1) / chunk + 1;
            b.inForce[i] = i % 2; // the newer record alternates between the slots, as in Windows' sample
            for (int slot = 0; slot < 2; slot++) {
                byte[] bits = new byte[(int) ((chunks + 7) / 8)];
                for (long c = 0; c < chunks; c++) {
                    // in force: chunk 0 of region 2 (the relocated boot sectors) plain, as on the Windows-made volume
                    boolean set = slot == b.inForce[i] ? (c + i) % 3 != 1 : c % 2 == 0;
                    if (set) {
                        bits[(int) (c >>> 3)] |= (byte) (1 << (c & 7));
                    }
                }
                b.bits[i][slot] = bits;
            }
        }
        return b;
    }

    /**
     * The Windows-like map of a volume of {@code size} bytes whose boot sectors were moved to
     * {@code headerOffset}: regions from byte 8192 to the relocated boot sectors, those 8 KiB, and
     * the rest in two; 8 MiB chunks, as on the Windows-made sample.
     */
    static Built windowsLike(long size, long headerOffset, long[] infoAt) {
        return windowsLike(size, headerOffset, infoAt, 8 << 20);
    }

    static Built windowsLike(long size, long headerOffset, long[] infoAt, int chunk) {
        long mid = (headerOffset + 8192 + size) / 2 / SECTOR * SECTOR;
        long[][] regions = {{8192, headerOffset - 8192}, {headerOffset, 8192}, {headerOffset + 8192, mid - headerOffset - 8192}, {mid, size - mid}};
        return layout(size, chunk, infoAt, infoAt[0] + 8192, regions);
    }

    static byte[] info(Built b) {
        ByteBuffer info = le(56 + 8 * b.bitmapAt.length);
        info.put("FVE-EOW\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 56).putShort((short) info.capacity())
                .putInt(SECTOR).putInt(SECTOR).putInt(b.chunk).putInt(4096).putInt(0x40400).putInt(b.regions.length).putInt(0)
                .putLong(b.infoAt[0]).putLong(b.infoAt[1]);
        for (long at : b.bitmapAt) {
            info.putLong(at);
        }
        crcAt(info.array(), 0, info.capacity(), 36);
        return info.array();
    }

    static byte[] bitmap(Built b, int i) {
        ByteBuffer bm = le(SECTOR + 2 * b.recordSize);
        bm.put("FVE-EOWBM\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 60).putInt(bm.capacity()).putInt(i)
                .putLong(b.regions[i][0]).putLong(b.regions[i][1]).putLong(b.bitmapAt[i] + ((bm.capacity() + 4095) / 4096) * 4096L)
                .putInt(SECTOR).putInt(SECTOR + b.recordSize).putInt(b.recordSize).putInt(0);
        crcAt(bm.array(), 0, SECTOR, 56);
        long chunks = (b.regions[i][1] - 1) / b.chunk + 1;
        for (int slot = 0; slot < 2; slot++) {
            int at = SECTOR + slot * b.recordSize;
            bm.position(at);
            bm.put("FVE-EOWBR\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 36).putInt(b.recordSize).putInt((int) chunks)
                    .putLong(slot == b.inForce[i] ? 2L * i + 7 : 2L * i + 6).putInt(2).putInt(0).put(b.bits[i][slot]);
            crcAt(bm.array(), at, b.recordSize, 32);
        }
        return bm.array();
    }

    /** Puts the map's structures into {@code p}. */
    static void write(Built b, Parts p) {
        byte[] info = info(b);
        for (long at : b.infoAt) {
            p.parts.put(at, info.clone());
        }
        for (int i = 0; i < b.bitmapAt.length; i++) {
            p.parts.put(b.bitmapAt[i], bitmap(b, i));
        }
    }

    /** A 100 MiB volume laid out like the Windows-made aes-xts-128-eow (its header's EOW and relocated boot sector offsets). */
    static final long VOLUME = 104857600;
    static final long HEADER_OFFSET = 35278848;
    static final long[] INFO_AT = {35352576, 52080640};

    static Counting synthesised(Built b) {
        Counting p = new Counting(b.size);
        write(b, p);
        return p;
    }

    // ---------------------------------------------------------------- reading and the oracle

    /** A map or a one-line refusal; nothing else may come out, nothing may be written, and reading stays bounded. */
    static EowMap readOrRefuse(Counting p, long[] infoAt, Set<String> refusals) {
        Counting before = p.copy();
        long readBefore = p.bytesRead;
        try {
            return EowMap.read(p, infoAt, SECTOR);
        } catch (BitLockerFormatException e) {
            String m = e.getMessage();
            assertTrue(m != null && !m.isBlank() && !m.contains("\n") && !m.contains("\r"), "a one-line message: " + m);
            assertTrue(m.length() < 1200, "a line a person reads: " + m);
            refusals.add(m.replaceAll("\\d+", "N"));
            return null;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("escaped: " + e, e);
        } finally {
            assertTrue(p.bytesRead - readBefore <= infoAt.length * (EowMap.MAX_READ + 56),
                    "read " + (p.bytesRead - readBefore) + " bytes for one map");
            assertEquals(before.parts.keySet(), p.parts.keySet());
            before.parts.forEach((k, v) -> assertArrayEquals(v, p.parts.get(k), "bytes at " + k + " changed"));
        }
    }

    /**
     * What an accepted map must be: its regions are the ones built (any other set would leave a gap
     * or overlap), contiguous from byte 8192 or sooner to the volume's end, its reserved ranges
     * inside the volume, and each region's bits those of one of the two records built for it (the
     * one in force unless {@code eitherRecord}: a mutation of the records' offsets, sizes or
     * sequence numbers may make the other one count).
     */
    static void assertCorrect(EowMap map, Built b, boolean eitherRecord, String what) throws BitLockerFormatException {
        assertEquals(b.regions.length, map.regions.size(), what);
        assertTrue(map.regions.get(0).offset() <= EowMap.UNMAPPED_HEAD, what);
        assertEquals(b.size, map.regions.get(map.regions.size() - 1).end(), what);
        for (int i = 0; i < b.regions.length; i++) {
            EowMap.Region r = map.regions.get(i);
            assertEquals(b.regions[i][0], r.offset(), what);
            assertEquals(b.regions[i][1], r.size(), what);
            if (i > 0) {
                assertEquals(map.regions.get(i - 1).end(), r.offset(), what);
            }
            long chunks = (r.size() - 1) / map.chunkSize + 1;
            assertEquals((chunks + 7) / 8, r.bits().length, what);
            boolean matches = false;
            for (int slot = 0; slot < 2; slot++) {
                if ((eitherRecord || slot == b.inForce[i]) && Arrays.equals(r.bits(), Arrays.copyOf(b.bits[i][slot], r.bits().length))) {
                    matches = true;
                }
            }
            assertTrue(matches, what + ": region " + (i + 1) + "'s bits are not a record built for it");
            for (long c = 0; c < chunks; c++) {
                long at = r.offset() + c * map.chunkSize;
                boolean bit = (r.bits()[(int) (c >>> 3)] >> (int) (c & 7) & 1) != 0;
                assertEquals(bit, map.encrypted(at), what);
                assertEquals(bit, map.encrypted(Math.min(r.end(), at + map.chunkSize) - 1), what);
            }
        }
        for (long[] range : map.reserved) {
            assertTrue(range[0] > 0 && range[0] < range[1] && range[1] <= b.size, what + ": reserved range " + Arrays.toString(range));
        }
    }

    // ---------------------------------------------------------------- hostile cases

    @Test
    void theWindowsLikeMapReadsAsBuilt() throws Exception {
        Built b = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        Counting p = synthesised(b);
        EowMap map = readOrRefuse(p, INFO_AT, new LinkedHashSet<>());
        assertNotNull(map);
        assertEquals(1, map.usedCopy);
        assertCorrect(map, b, false, "as built");
        assertEquals(-1, map.firstUncovered(8192, VOLUME));
        assertEquals(0, map.firstUncovered(0, VOLUME), "the first 8 KiB are in no region, as Windows leaves them");
    }

    @Test
    void theSameBitmapListedTwiceIsRefused() throws Exception {
        Built b = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        Counting p = synthesised(b);
        for (long at : INFO_AT) {
            byte[] info = p.at(at);
            le(info).putLong(56 + 8 * 2, b.bitmapAt[0]);
            crcAt(info, 0, info.length, 36);
        }
        BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> EowMap.read(p, INFO_AT, SECTOR));
        assertTrue(e.getMessage().contains("lists byte " + b.bitmapAt[0] + " for both bitmap 1 and bitmap 3: the same bitmap twice"), e.getMessage());
        assertFalse(p.offsetsRead.contains(b.bitmapAt[3]), "refused before bitmap 4 was read");
    }

    @Test
    void overlappingRegionsAreRefusedAtTheBitmapThatOverlapsBeforeTheNextIsRead() throws Exception {
        Built b = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        b.regions[1] = new long[]{HEADER_OFFSET - 4096, 8192}; // reaches into region 1
        Counting p = synthesised(b);
        BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> EowMap.read(p, INFO_AT, SECTOR));
        assertTrue(e.getMessage().startsWith("bitmap 2 (FVE-EOWBM at byte " + b.bitmapAt[1] + ") describes bytes " + (HEADER_OFFSET - 4096)
                + " to " + (HEADER_OFFSET + 4096) + " of the volume, which overlap bitmap 1's region (bytes 8192 to " + HEADER_OFFSET + ")"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(in both copies of the FVE-EOW information)"), e.getMessage());
        assertFalse(p.offsetsRead.contains(b.bitmapAt[2]), "bitmap 3 was never read");
        assertFalse(p.offsetsRead.contains(b.bitmapAt[3]), "bitmap 4 was never read");
    }

    @Test
    void aRegionPastTheEndOfTheVolumeIsDamageNotAShortCopy() throws Exception {
        for (long past : new long[]{512, 8L << 20, VOLUME, 1L << 62}) {
            Built b = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
            b.regions[3] = new long[]{b.regions[3][0], b.regions[3][1] + past};
            Counting p = synthesised(b);
            BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> EowMap.read(p, INFO_AT, SECTOR));
            assertEquals("bitmap 4 (FVE-EOWBM at byte " + b.bitmapAt[3] + ") describes bytes " + b.regions[3][0] + " to "
                    + Long.toUnsignedString(b.regions[3][0] + b.regions[3][1]) + " of the volume, past its end (" + VOLUME + " bytes) "
                    + "(in both copies of the FVE-EOW information)", e.getMessage());
        }
    }

    @Test
    void regionsThatLeaveAGapAreRefused() throws Exception {
        Built early = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        early.regions[3] = new long[]{early.regions[3][0], early.regions[3][1] - (8 << 20)};
        assertTrue(refusal(early).startsWith("the regions end at byte " + (VOLUME - (8 << 20)) + ", but the volume is " + VOLUME + " bytes long"));

        Built late = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        late.regions[0] = new long[]{16384, HEADER_OFFSET - 16384};
        assertTrue(refusal(late).startsWith("the first region (bitmap 1's) starts at byte 16384, so bytes 8192 to 16384 of the volume are in no region"));

        Built gap = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        gap.regions[2] = new long[]{gap.regions[2][0] + 4096, gap.regions[2][1] - 4096};
        assertEquals("bytes " + (HEADER_OFFSET + 8192) + " to " + (HEADER_OFFSET + 8192 + 4096)
                + " of the volume are in no region (a gap before bitmap 3's region) (in both copies of the FVE-EOW information)", refusal(gap));

        Built none = layout(VOLUME, 8 << 20, INFO_AT, INFO_AT[0] + 8192, new long[0][]);
        assertTrue(refusal(none).contains("lists no bitmaps"));
    }

    private static String refusal(Built b) {
        Counting p = synthesised(b);
        return assertThrows(BitLockerFormatException.class, () -> EowMap.read(p, INFO_AT, SECTOR)).getMessage();
    }

    /**
     * The most bitmaps an FVE-EOW information can list (8184), each block claiming 8 MiB: every
     * one is well formed (CRC-32s right, regions apart), so only the bound on bytes read stops it.
     * The reader before issue 21 kept the bits small but would have read 64 GiB.
     */
    @Test
    void eightThousandBitmapsOfEightMiBStopAtTheReadBound() throws Exception {
        int listed = (65535 - 56) / 8;
        long size = 1L << 40;
        long[] infoAt = {1 << 20, (1 << 20) + 65536};
        Built b = new Built();
        b.size = size;
        b.chunk = 4096;
        b.infoAt = infoAt;
        b.bitmapAt = new long[listed];
        b.regions = new long[listed][];
        Counting p = new Counting(size);
        int built = (int) (EowMap.MAX_READ / EowMap.MAX_BITMAP_BLOCK) + 2;
        for (int i = 0; i < listed; i++) {
            b.bitmapAt[i] = (4L << 20) + (long) i * (EowMap.MAX_BITMAP_BLOCK + 4096);
            b.regions[i] = new long[]{8192 + i * 4096L, 4096};
        }
        byte[] info = info(b);
        p.parts.put(infoAt[0], info);
        p.parts.put(infoAt[1], info.clone());
        for (int i = 0; i < built; i++) {
            ByteBuffer bm = le(SECTOR * 3);
            bm.put("FVE-EOWBM\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 60).putInt(EowMap.MAX_BITMAP_BLOCK).putInt(i)
                    .putLong(b.regions[i][0]).putLong(b.regions[i][1]).putLong(b.bitmapAt[i] + EowMap.MAX_BITMAP_BLOCK)
                    .putInt(SECTOR).putInt(2 * SECTOR).putInt(SECTOR).putInt(0);
            crcAt(bm.array(), 0, SECTOR, 56);
            for (int slot = 0; slot < 2; slot++) {
                bm.position(SECTOR * (slot + 1));
                bm.put("FVE-EOWBR\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 36).putInt(SECTOR).putInt(1)
                        .putLong(slot).putInt(2).putInt(0).put((byte) 1);
                crcAt(bm.array(), SECTOR * (slot + 1), SECTOR, 32);
            }
            p.parts.put(b.bitmapAt[i], bm.array());
        }
        BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> EowMap.read(p, infoAt, SECTOR));
        assertTrue(e.getMessage().contains("would take this copy of the map past the 128 MiB bootmedic reads for one"), e.getMessage());
        assertTrue(p.bytesRead <= 2 * (EowMap.MAX_READ + 65536), p.bytesRead + " bytes read");
        assertTrue(p.bytesRead > EowMap.MAX_READ, "the bound, not something else, stopped it: " + p.bytesRead);
    }

    // ---------------------------------------------------------------- every field, hostile values

    /** Info fields (offset, width); the bitmap offsets follow from 56. */
    private static final int[][] INFO_FIELDS = {{0, 8}, {8, 2}, {10, 2}, {12, 4}, {16, 4}, {20, 4}, {24, 4}, {28, 4}, {32, 4}, {36, 4}, {40, 8}, {48, 8},
            {56, 8}, {64, 8}, {72, 8}, {80, 8}};
    private static final int[][] BITMAP_FIELDS = {{0, 10}, {10, 2}, {12, 4}, {16, 4}, {20, 8}, {28, 8}, {36, 8}, {44, 4}, {48, 4}, {52, 4}, {56, 4}};
    private static final int[][] RECORD_FIELDS = {{0, 10}, {10, 2}, {12, 4}, {16, 4}, {20, 8}, {28, 4}, {32, 4}};
    /** Fields the reader does not use (unknowns, flags): any value reads as the map built. */
    private static final Set<String> IGNORED = Set.of("info@16", "info@28", "bitmap@16", "record@28");

    /** 0, -1, 1, unaligned, a sector either way, doubled, halved, the volume's end and past it, huge, and what else is in the map. */
    private static long[] hostileValues(long original, Built b) {
        List<Long> v = new ArrayList<>(List.of(0L, -1L, 1L, original + 1, original - 1, original + 256, original + SECTOR, original - SECTOR,
                original * 2, original / 2, b.size, b.size - SECTOR, b.size + SECTOR, b.size * 2, 0x7FFFFFFFL, 0xFFFFFFFFL, 1L << 40,
                Long.MAX_VALUE, (long) EowMap.MAX_BITMAP_BLOCK, EowMap.MAX_BITMAP_BLOCK + 1L));
        for (int i = 0; i < b.bitmapAt.length; i++) {
            v.addAll(List.of(b.bitmapAt[i], b.bitmapAt[i] + SECTOR, b.regions[i][0], b.regions[i][0] + SECTOR, b.regions[i][1],
                    b.regions[i][0] + b.regions[i][1]));
        }
        v.addAll(List.of(b.infoAt[0], b.infoAt[1], (long) b.recordSize, (long) SECTOR + b.recordSize, 2L * b.recordSize));
        return v.stream().distinct().mapToLong(Long::longValue).toArray();
    }

    @Test
    void everyFieldSetToHostileValuesWithAndWithoutItsCrc() throws Exception {
        Built b = windowsLike(VOLUME, HEADER_OFFSET, INFO_AT);
        Counting base = synthesised(b);
        Set<String> refusals = new LinkedHashSet<>();
        int accepted = 0;
        int cases = 0;
        for (String structure : new String[]{"info", "bitmap", "record"}) {
            int[][] fields = structure.equals("info") ? INFO_FIELDS : structure.equals("bitmap") ? BITMAP_FIELDS : RECORD_FIELDS;
            for (int[] f : fields) {
                String field = structure + "@" + f[0];
                for (int target : structure.equals("info") ? new int[]{0, 1} : new int[]{0, 1, 3}) {
                    for (int slot : structure.equals("record") ? new int[]{0, 1} : new int[]{0}) {
                        long original = read(base, b, structure, target, slot, f);
                        for (long value : hostileValues(original, b)) {
                            for (boolean crc : new boolean[]{true, false}) {
                                Counting p = base.copy();
                                // info: copy 1 damaged (copy 2 must then be read), or both copies (target 1)
                                put(p, b, structure, target, slot, f, value, crc);
                                String what = field + " of " + structure + " " + target + (structure.equals("record") ? " slot " + slot : "")
                                        + " = " + Long.toUnsignedString(value) + (crc ? " (CRC recomputed)" : " (CRC as it was)");
                                EowMap map = readOrRefuse(p, INFO_AT, refusals);
                                cases++;
                                if (structure.equals("info") && target == 0) {
                                    assertNotNull(map, what + ": copy 2 is whole");
                                }
                                if (map == null) {
                                    continue;
                                }
                                accepted++;
                                boolean changed = (value & mask(f[1])) != original;
                                // read exactly as built: nothing changed, a field the reader ignores (its CRC right), or copy 2 read instead
                                boolean exact = !changed || (IGNORED.contains(field) && crc) || (structure.equals("info") && map.usedCopy == 2);
                                // a record's bytes, offsets or size changed: that record may no longer count, or now count, so the other may
                                boolean records = structure.equals("record") || field.equals("bitmap@44") || field.equals("bitmap@48")
                                        || field.equals("bitmap@52") || field.equals("bitmap@12");
                                if (field.equals("info@20") && !exact) {
                                    // another chunk size, said consistently: the map reads with it, from the record in force
                                    assertEquals((int) value, map.chunkSize, what);
                                    assertCorrect(map, b, false, what);
                                } else {
                                    assertEquals(b.chunk, map.chunkSize, what);
                                    assertCorrect(map, b, records && !exact, what);
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(accepted > 100 && cases - accepted > 1000, accepted + " accepted of " + cases);
        // the refusals say different things: the reader names the problem rather than one catch-all
        assertTrue(refusals.size() > 25, refusals.size() + " distinct refusals: " + refusals);
        for (String expected : new String[]{"past its end", "the same bitmap twice", "overlap", "in no region", "CRC-N mismatch",
                "no record checks out", "lies outside the volume", "is more than the N this tool accepts"}) {
            assertTrue(refusals.stream().anyMatch(m -> m.contains(expected)), "a refusal saying '" + expected + "' among " + refusals);
        }
    }

    private static long mask(int width) {
        return width >= 8 ? -1L : (1L << (8 * width)) - 1;
    }

    private static long where(Built b, String structure, int target, int slot) {
        return switch (structure) {
            case "info" -> b.infoAt[0];
            case "bitmap" -> b.bitmapAt[target];
            default -> b.bitmapAt[target];
        };
    }

    private static int within(Built b, String structure, int target, int slot) {
        return structure.equals("record") ? b.recordAt0[target] + slot * b.recordSize : 0;
    }

    private static long read(Parts p, Built b, String structure, int target, int slot, int[] f) {
        byte[] block = p.at(where(b, structure, target, slot));
        int at = within(b, structure, target, slot) + f[0];
        long v = 0;
        for (int k = Math.min(f[1], 8) - 1; k >= 0; k--) {
            v = v << 8 | (block[at + k] & 0xFF);
        }
        return v;
    }

    private static void put(Parts p, Built b, String structure, int target, int slot, int[] f, long value, boolean crc) {
        List<Long> blocks = structure.equals("info") ? (target == 0 ? List.of(b.infoAt[0]) : List.of(b.infoAt[0], b.infoAt[1]))
                : List.of(b.bitmapAt[target]);
        for (long at : blocks) {
            byte[] block = p.at(at);
            int from = within(b, structure, target, slot);
            for (int k = 0; k < f[1]; k++) {
                block[from + f[0] + k] = k < 8 ? (byte) (value >>> (8 * k)) : (byte) (value < 0 ? 0xFF : 0);
            }
            if (crc) {
                switch (structure) {
                    case "info" -> crcAt(block, 0, block.length, 36);
                    case "bitmap" -> crcAt(block, 0, SECTOR, 56);
                    default -> crcAt(block, from, b.recordSize, 32);
                }
            }
        }
    }

    // ---------------------------------------------------------------- on a Windows-made volume's metadata

    /** The Windows-made aes-xts-128-eow, whose map the trimming zeroed, with a map of Windows' layout where its header says. */
    private Path windowsMadeWithMap(java.util.function.Consumer<Built> change) throws Exception {
        Path img = tmp.resolve("eow.img");
        Files.copy(BitLockerImages.image("aes-xts-128-eow"), img, StandardCopyOption.REPLACE_EXISTING);
        long[] infoAt;
        long headerOffset;
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertNull(md.eow, "the trimmed original has no map");
            ByteBuffer boot = le(dev.read(0, 512));
            infoAt = new long[]{boot.getLong(200), boot.getLong(208)};
            headerOffset = md.headerOffset;
            assertEquals(VOLUME, dev.size());
            assertArrayEquals(INFO_AT, infoAt);
            assertEquals(HEADER_OFFSET, headerOffset);
        }
        Built b = windowsLike(VOLUME, headerOffset, infoAt);
        change.accept(b);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] info = info(b);
            for (long at : b.infoAt) {
                f.seek(at);
                f.write(info);
            }
            for (int i = 0; i < b.bitmapAt.length; i++) {
                f.seek(b.bitmapAt[i]);
                f.write(bitmap(b, i));
            }
        }
        return img;
    }

    @Test
    void aMapOnTheWindowsMadeVolumeOpensForReadingAndWriting() throws Exception {
        Path img = windowsMadeWithMap(b -> { });
        try (FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertNotNull(md.eow, md.eowProblem);
            BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, BitLockerTest.unlock(md, "anaconda").fvek());
            byte[] boot = plain.read(0, 512);
            assertEquals("NTFS    ", new String(boot, 3, 8, java.nio.charset.StandardCharsets.US_ASCII),
                    "the relocated boot sectors, in region 2 (chunk 0 plain), read as the NTFS boot sector Windows left there in plaintext");
            byte[] data = new byte[3 << 20];
            new java.util.Random(21).nextBytes(data);
            long at = (8L << 20) - (1 << 20); // across a chunk boundary of region 1: an encrypted chunk, then a plain one
            plain.write(at, ByteBuffer.wrap(data));
            assertArrayEquals(data, plain.read(at, data.length));
            long boundary = 8192 + (8L << 20);
            assertFalse(Arrays.equals(Arrays.copyOfRange(data, 0, 4096), dev.read(at, 4096)), "stored encrypted in region 1's chunk 1");
            int off = (int) (boundary - at);
            assertArrayEquals(Arrays.copyOfRange(data, off, off + 4096), dev.read(boundary, 4096), "stored plain in its chunk 2");
            plain.read(VOLUME - 4096, 4096);
        }
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals("partially encrypted", v.get("state").asText(), info.out);
        assertNull(v.get("missing"), info.out);
    }

    /**
     * The map covers the volume from byte 8192 on, but the metadata says the relocated boot sectors
     * are only 4 KiB: the volume would then read bytes 4096 to 8191 where they are stored, in no
     * region. Refused when the volume is opened, not at that read, which may come after a write.
     */
    @Test
    void aVolumeThatWouldTouchBytesOutsideEveryRegionIsRefusedWhenItOpens() throws Exception {
        Parts real = BitLockerMetadataMutationTest.realImage("aes-xts-128-eow");
        Counting p = new Counting(real.size);
        p.parts.putAll(real.parts);
        write(windowsLike(VOLUME, HEADER_OFFSET, INFO_AT), p);
        for (long copy : BitLockerMetadata.read(p).metadataOffsets) {
            byte[] block = p.at(copy);
            int entry = entryOfType(block, 0x000F);
            le(block).putLong(entry + 16, 4096); // the relocated boot sectors: 4 KiB instead of 8
            int blockSize = Short.toUnsignedInt(le(block).getShort(8)) << 4;
            CRC32 crc = new CRC32();
            crc.update(block, 0, blockSize);
            le(block).putInt(blockSize + 4, (int) crc.getValue());
        }
        BitLockerMetadata md = BitLockerMetadata.read(p);
        assertEquals(4096, md.headerSize);
        assertNotNull(md.eow, md.eowProblem);
        byte[] fvek = BitLockerTest.unlock(md, "anaconda").fvek();
        BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> new BitLockerBlockDevice(p, md, fvek));
        assertTrue(e.getMessage().startsWith("mutated volume: Windows was converting this BitLocker volume in used-space-only (encrypt-on-write) "
                + "mode, and its map of which parts are already encrypted leaves byte 4096 in no region (the relocated boot sectors are 4096 "
                + "bytes at byte " + HEADER_OFFSET + ")."), e.getMessage());
    }

    private static int entryOfType(byte[] block, int type) {
        int end = 64 + le(block).getInt(64);
        for (int at = 64 + 48; at + 8 <= end; ) {
            int size = Short.toUnsignedInt(le(block).getShort(at));
            if (size == 0) {
                break;
            }
            if (Short.toUnsignedInt(le(block).getShort(at + 2)) == type) {
                return at;
            }
            at += size;
        }
        throw new AssertionError("no metadata entry of type " + type);
    }

    @Test
    void aRegionPastTheEndIsExit2WithOneLineNamingTheImageAndTheBitmapAndNothingIsWritten() throws Exception {
        long[] bitmap4 = new long[1];
        Path img = windowsMadeWithMap(b -> {
            b.regions[3] = new long[]{b.regions[3][0], b.regions[3][1] + (64L << 20)}; // as if the volume were 64 MiB longer
            bitmap4[0] = b.bitmapAt[3];
        });
        String before = BuiltVolumeTest.sha256(img);
        Path out = tmp.resolve("plain.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), "--password", "anaconda");
        assertEquals(2, decrypt.exit, decrypt.toString());
        assertEquals("", decrypt.out, decrypt.toString());
        String line = decrypt.err.strip();
        assertFalse(line.contains("\n"), "one line: " + decrypt.err);
        assertFalse(line.contains("Exception") || line.contains("\tat "), "no stack trace: " + decrypt.err);
        assertTrue(line.startsWith("bootmedic: " + img + ": Windows was converting this BitLocker volume in used-space-only (encrypt-on-write) mode"),
                line);
        assertTrue(line.contains("bitmap 4 (FVE-EOWBM at byte " + bitmap4[0] + ") describes bytes ") && line.contains("past its end (" + VOLUME + " bytes)"),
                line);
        assertTrue(line.contains("nothing was written") && line.contains("manage-bde -resume"), line);
        assertFalse(line.toLowerCase(java.util.Locale.ROOT).contains("missing") || line.contains("copy the whole") || line.contains("complete copy"),
                "damage, not a short copy: " + line);
        assertFalse(Files.exists(out), "no output file");

        for (String command : new String[]{"fix", "scan"}) {
            Cli run = Cli.run(command, "--image", img.toString(), "--password", "anaconda");
            assertEquals(2, run.exit, run.toString());
            assertTrue(run.err.contains("bitmap 4 (FVE-EOWBM at byte " + bitmap4[0] + ")") && run.err.contains(img.toString()), run.toString());
            assertFalse(run.err.contains("\tat "), run.toString());
        }
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals("unreadable", v.get("state").asText(), info.out);
        assertNull(v.get("missing"), "the map's claim is not reported as bytes missing from the image: " + info.out);
        assertEquals(before, BuiltVolumeTest.sha256(img), "nothing written");
        if (Files.exists(Path.of(img + ".bootmedic-quarantine"))) {
            fail("a quarantine folder was made for a refused volume");
        }
    }

    // ---------------------------------------------------------------- the fuzz target's seeds

    private static final Path SEEDS = Path.of("modules/core/src/test/resources/io/bootmedic/fuzz/EowMapFuzzTestInputs/map");

    /**
     * The seeds of EowMapFuzzTest are these maps, for its 1 MiB volume (boot sectors moved to
     * 0x20000, FVE-EOW copies at 0xC0000 and 0xC1000, 64 KiB chunks), from 0xC0000 on: one in
     * Windows' layout, and one each with a region past the end, the same bitmap twice and
     * overlapping regions. {@code -Dbootmedic.writeFuzzSeeds=true} writes them again.
     */
    @Test
    void fuzzSeedsAreTheBuildersMaps() throws Exception {
        long size = io.bootmedic.fuzz.FuzzLayout.VOLUME;
        long[] infoAt = {io.bootmedic.fuzz.FuzzLayout.EOW_AREA, io.bootmedic.fuzz.FuzzLayout.EOW_AREA + 0x1000};
        java.util.Map<String, Built> seeds = new java.util.LinkedHashMap<>();
        seeds.put("windows-layout", windowsLike(size, 0x20000, infoAt, 64 << 10));
        Built past = windowsLike(size, 0x20000, infoAt, 64 << 10);
        past.regions[3] = new long[]{past.regions[3][0], past.regions[3][1] + (64 << 10)};
        seeds.put("region-past-the-end", past);
        Built overlap = windowsLike(size, 0x20000, infoAt, 64 << 10);
        overlap.regions[2] = new long[]{overlap.regions[2][0] - 4096, overlap.regions[2][1] + 4096};
        seeds.put("overlapping-regions", overlap);
        seeds.put("same-bitmap-twice", windowsLike(size, 0x20000, infoAt, 64 << 10));
        boolean write = Boolean.getBoolean("bootmedic.writeFuzzSeeds");
        for (var e : seeds.entrySet()) {
            Built b = e.getValue();
            Counting p = synthesised(b);
            if (e.getKey().equals("same-bitmap-twice")) {
                for (long at : infoAt) {
                    le(p.at(at)).putLong(56 + 8 * 3, b.bitmapAt[1]);
                    crcAt(p.at(at), 0, p.at(at).length, 36);
                }
            }
            EowMap map = readOrRefuse(p, infoAt, new LinkedHashSet<>());
            assertEquals(e.getKey().equals("windows-layout"), map != null, e.getKey());
            long end = p.parts.lastEntry().getKey() + p.parts.lastEntry().getValue().length;
            byte[] seed = new byte[(int) (end - infoAt[0])];
            p.parts.forEach((at, bytes) -> System.arraycopy(bytes, 0, seed, (int) (at - infoAt[0]), bytes.length));
            Path file = SEEDS.resolve(e.getKey());
            if (write) {
                Files.createDirectories(SEEDS);
                Files.write(file, seed);
            }
            assertArrayEquals(seed, Files.readAllBytes(file), file + " is not the builder's map (-Dbootmedic.writeFuzzSeeds=true writes it)");
        }
    }

    // ---------------------------------------------------------------- helpers

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Stores the CRC-32 of {@code length} bytes from {@code from}, its own field counted as zeros, at {@code from + crcAt}. */
    static void crcAt(byte[] b, int from, int length, int crcAt) {
        if (from + length > b.length || crcAt + 4 > length) {
            return;
        }
        le(b).putInt(from + crcAt, 0);
        CRC32 crc = new CRC32();
        crc.update(b, from, length);
        le(b).putInt(from + crcAt, (int) crc.getValue());
    }
}
