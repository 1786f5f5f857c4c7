package io.bootmedic.bitlocker;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The "encrypt on write" (used-space-only) conversion map of a volume Windows was converting:
 * the FVE-EOW information (two copies, offsets in the volume header after the metadata offsets)
 * lists bitmap blocks (FVE-EOWBM), one per region of the volume; each holds two records
 * (FVE-EOWBR), the one with the highest sequence number in force, one bit per chunk: set means
 * the chunk is encrypted, clear means it is still plain. Laid out as dissect.fve's
 * {@code FVE_EOW_INFORMATION}/{@code FVE_EOW_BITMAP}/{@code FVE_EOW_BITMAP_RECORD} describe
 * them; every structure's CRC-32 is checked. The map's own blocks and the conversion logs read as
 * zeros through the unlocked volume, like the metadata areas.
 *
 * <p>Nothing in the map is trusted. Reading it is the preflight before a write opens the volume:
 * every problem is a {@link BitLockerFormatException} thrown before any byte is written. One copy
 * may make the reader read at most {@link #MAX_READ} bytes in all (each bitmap block at most
 * {@link #MAX_BITMAP_BLOCK}); a bitmap listed twice, a bitmap block overlapping another, and a
 * region overlapping an earlier one are refused as each bitmap is read; a region reaching past the
 * end of the volume is damage, not a short copy; and the regions together must cover the volume
 * from {@link #UNMAPPED_HEAD} on, without a gap, to its last byte, as Windows lays them out. (The
 * one Windows-made map at hand, dissect.fve's eow_partial sample, has six contiguous regions from
 * byte 8192 to byte 1072627712, the volume size its metadata records, the 8 KiB of the relocated
 * boot sectors being one of them; cryptsetup's two conversion samples had their maps trimmed away.)
 */
public final class EowMap {
    static final String INFO_SIGNATURE = "FVE-EOW\0";
    static final String BITMAP_SIGNATURE = "FVE-EOWBM\0";
    static final String RECORD_SIGNATURE = "FVE-EOWBR\0";
    private static final int INFO_HEADER = 56;
    private static final int BITMAP_HEADER = 60;
    private static final int RECORD_HEADER = 36;
    /** Windows starts the first region after the volume's first 8 KiB (the BitLocker header's sectors); a region may start sooner. */
    static final long UNMAPPED_HEAD = 8192;
    /** One bitmap block may not be bigger than this (one bit per chunk: 8 MiB covers 64 TiB at 1 MiB chunks). */
    static final int MAX_BITMAP_BLOCK = 8 << 20;
    /** The bits kept for all regions together. */
    static final long MAX_BITMAP_TOTAL = 32L << 20;
    /**
     * The bytes one copy may make the reader read, its header and every bitmap block together (the
     * most bitmaps an FVE-EOW information can list, 8184, at three 4 KiB sectors each, stay below it).
     */
    static final long MAX_READ = 128L << 20;

    /** One region of the volume and the bits of its chunks. */
    record Region(long offset, long size, byte[] bits) {
        long end() {
            return offset + size;
        }
    }

    public final int chunkSize;
    /** Sorted by offset, without gaps or overlaps. */
    final List<Region> regions;
    /** [start, end) byte ranges that belong to the map itself. */
    final List<long[]> reserved;
    /** Which copy of the FVE-EOW information was used (1 or 2). */
    public final int usedCopy;

    private EowMap(int chunkSize, List<Region> regions, List<long[]> reserved, int usedCopy) {
        this.chunkSize = chunkSize;
        this.regions = regions;
        this.reserved = reserved;
        this.usedCopy = usedCopy;
    }

    /**
     * Reads the first FVE-EOW copy that checks out. The error names each copy's problem, once when
     * both copies fail the same way (they list the same bitmaps).
     */
    static EowMap read(BlockDevice volume, long[] offsets, int sectorSize) throws IOException {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < offsets.length; i++) {
            try {
                return new CopyReader(volume, sectorSize).read(offsets[i], i + 1);
            } catch (FormatException e) {
                problems.add(e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            throw new BitLockerFormatException("the volume header names no FVE-EOW information");
        }
        if (problems.stream().distinct().count() == 1) {
            return fail(problems.get(0) + (problems.size() > 1 ? " (in both copies of the FVE-EOW information)" : ""));
        }
        List<String> each = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            each.add("copy " + (i + 1) + ": " + problems.get(i));
        }
        return fail(String.join("; ", each));
    }

    private static EowMap fail(String problem) throws BitLockerFormatException {
        throw new BitLockerFormatException(problem);
    }

    /** Reads one copy; every read goes through {@link #read(long, int, String)}, which keeps the count. */
    private static final class CopyReader {
        private final BlockDevice volume;
        private final long size;
        private final int sectorSize;
        private long bytesRead;
        /** The map's own blocks read so far, [start, end) by start, with their names. */
        private final TreeMap<Long, Long> blocks = new TreeMap<>();
        private final Map<Long, String> blockNames = new HashMap<>();
        /** The regions accepted so far, by offset. */
        private final TreeMap<Long, Region> regions = new TreeMap<>();
        private final Map<Long, Integer> regionBitmap = new HashMap<>();

        CopyReader(BlockDevice volume, int sectorSize) {
            this.volume = volume;
            this.size = volume.size();
            this.sectorSize = sectorSize;
        }

        EowMap read(long offset, int copy) throws IOException {
            String what = "FVE-EOW information at byte " + Long.toUnsignedString(offset);
            LeBytes h = LeBytes.of(read(offset, INFO_HEADER, what), what);
            if (!h.ascii(0, 8).equals(INFO_SIGNATURE)) {
                throw new BitLockerFormatException(what + " has no FVE-EOW signature");
            }
            int headerSize = h.u16(8);
            int infoSize = h.u16(10);
            if (headerSize != INFO_HEADER || infoSize < headerSize || (infoSize - headerSize) % 8 != 0) {
                throw new BitLockerFormatException(what + ": impossible header size " + headerSize + " or size " + infoSize);
            }
            if (infoSize == headerSize) {
                throw new BitLockerFormatException(what + " lists no bitmaps");
            }
            claim(offset, infoSize, what, "the FVE-EOW information");
            byte[] raw = read(offset, infoSize, what);
            LeBytes info = LeBytes.of(raw, what);
            long infoSector = info.u32(12);
            long chunk = info.u32(20);
            long convLogSize = info.u32(24);
            long regionCount = info.u32(32);
            if (!crcMatches(raw, 0, infoSize, 36, info.s32(36))) {
                throw new BitLockerFormatException(what + ": CRC-32 mismatch");
            }
            int bitmaps = (infoSize - headerSize) / 8;
            if (infoSector != sectorSize) {
                throw new BitLockerFormatException(what + " is for " + infoSector + "-byte sectors, the volume has " + sectorSize);
            }
            if (chunk < sectorSize || chunk % sectorSize != 0 || chunk > Integer.MAX_VALUE) {
                throw new BitLockerFormatException(what + ": impossible chunk size " + chunk);
            }
            if (regionCount != bitmaps) {
                throw new BitLockerFormatException(what + " counts " + regionCount + " regions but lists " + bitmaps + " bitmaps");
            }
            List<long[]> reserved = new ArrayList<>();
            reserved.add(new long[]{offset, offset + roundUp(infoSize, sectorSize)});
            for (int k = 0; k < 2; k++) {
                long other = info.u64(40 + 8L * k, "EOW information offset");
                reserved.add(inVolume(other, roundUp(infoSize, sectorSize), what + ": its copy " + (k + 1)));
            }
            Map<Long, Integer> seen = new HashMap<>();
            long bits = 0;
            for (int i = 1; i <= bitmaps; i++) {
                long at = info.u64(headerSize + 8L * (i - 1), "bitmap offset " + i);
                Integer earlier = seen.putIfAbsent(at, i);
                if (earlier != null) {
                    throw new BitLockerFormatException(what + " lists byte " + at + " for both bitmap " + earlier + " and bitmap " + i
                            + ": the same bitmap twice");
                }
                BitmapBlock b = readBitmap(i, at, (int) chunk);
                bits = Exact.add(bits, b.region.bits.length, "the bitmaps' size");
                if (bits > MAX_BITMAP_TOTAL) {
                    throw new BitLockerFormatException("the bitmaps up to bitmap " + i + " together hold more than " + (MAX_BITMAP_TOTAL >> 20)
                            + " MiB of bits, more than any volume needs");
                }
                regions.put(b.region.offset, b.region);
                regionBitmap.put(b.region.offset, i);
                reserved.add(new long[]{at, at + roundUp(b.blockSize, sectorSize)});
                if (convLogSize > 0) {
                    reserved.add(inVolume(b.convLogOffset, convLogSize, "the conversion log of bitmap " + i));
                }
            }
            requireCoverage();
            return new EowMap((int) chunk, List.copyOf(regions.values()), List.copyOf(reserved), copy);
        }

        /** The regions, in order, start at or before byte 8192 and leave no byte of the volume after it out. */
        private void requireCoverage() throws BitLockerFormatException {
            long covered = -1;
            for (Region r : regions.values()) {
                if (covered < 0 && r.offset > UNMAPPED_HEAD) {
                    throw new BitLockerFormatException(String.format(Locale.ROOT, "the first region (bitmap %d's) starts at byte %d, so bytes %d "
                            + "to %d of the volume are in no region", regionBitmap.get(r.offset), r.offset, UNMAPPED_HEAD, r.offset));
                }
                if (covered >= 0 && r.offset != covered) {
                    throw new BitLockerFormatException(String.format(Locale.ROOT, "bytes %d to %d of the volume are in no region "
                            + "(a gap before bitmap %d's region)", covered, r.offset, regionBitmap.get(r.offset)));
                }
                covered = r.end();
            }
            if (covered != size) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "the regions end at byte %d, but the volume is %d bytes long: "
                        + "bytes %d to %d are in no region", covered, size, covered, size));
            }
        }

        private BitmapBlock readBitmap(int index, long offset, int chunk) throws IOException {
            String what = "bitmap " + index + " (FVE-EOWBM at byte " + Long.toUnsignedString(offset) + ")";
            LeBytes h = LeBytes.of(read(offset, BITMAP_HEADER, what), what);
            if (!h.ascii(0, 10).equals(BITMAP_SIGNATURE)) {
                throw new BitLockerFormatException(what + " has no FVE-EOWBM signature");
            }
            int headerSize = h.u16(10);
            long declared = h.u32(12);
            if (headerSize != BITMAP_HEADER) {
                throw new BitLockerFormatException(what + ": impossible header size " + headerSize);
            }
            if (declared < BITMAP_HEADER) {
                throw new BitLockerFormatException(what + " says it is " + declared + " bytes long, less than its own " + BITMAP_HEADER + "-byte header");
            }
            int blockSize = Exact.requireAtMost(declared, MAX_BITMAP_BLOCK, what + ": block size");
            claim(offset, blockSize, what, "bitmap " + index + "'s block");
            byte[] raw = read(offset, blockSize, what);
            LeBytes b = LeBytes.of(raw, what);
            long regionOffset = b.u64(20, "region offset");
            long regionSize = b.u64(28, "region size");
            long convLog = b.u64(36, "conversion log offset");
            long[] records = {b.u32(44), b.u32(48)};
            long recordSize = b.u32(52);
            if (records[0] < headerSize || records[0] > blockSize) {
                throw new BitLockerFormatException(what + ": its first record offset " + records[0] + " lies outside it");
            }
            if (recordSize < RECORD_HEADER) {
                throw new BitLockerFormatException(what + ": its records are " + recordSize + " bytes, less than a record's " + RECORD_HEADER
                        + "-byte header");
            }
            if (!crcMatches(raw, 0, (int) records[0], 56, b.s32(56))) {
                throw new BitLockerFormatException(what + ": CRC-32 mismatch");
            }
            if (regionOffset % sectorSize != 0 || regionSize == 0 || regionSize % sectorSize != 0) {
                throw new BitLockerFormatException(what + ": region of " + regionSize + " bytes at " + regionOffset + " is not whole sectors");
            }
            if (regionOffset >= size || regionSize > size - regionOffset) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "%s describes bytes %d to %s of the volume, past its end "
                        + "(%d bytes)", what, regionOffset, Long.toUnsignedString(regionOffset + regionSize), size));
            }
            long regionEnd = regionOffset + regionSize;
            Map.Entry<Long, Region> other = overlap(regions, regionOffset, regionEnd, Region::end);
            if (other != null) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "%s describes bytes %d to %d of the volume, which overlap "
                        + "bitmap %d's region (bytes %d to %d)", what, regionOffset, regionEnd, regionBitmap.get(other.getKey()),
                        other.getValue().offset, other.getValue().end()));
            }
            long chunks = (regionSize - 1) / chunk + 1;
            byte[] best = null;
            long bestSequence = -1;
            List<String> problems = new ArrayList<>();
            for (int r = 0; r < records.length; r++) {
                try {
                    if (records[r] > blockSize || recordSize > blockSize - records[r]) {
                        throw new BitLockerFormatException(recordSize + " bytes at byte " + records[r] + " of the block reach past its end ("
                                + blockSize + " bytes)");
                    }
                    LeBytes rec = b.slice(records[r], recordSize, "record " + (r + 1));
                    if (!rec.ascii(0, 10).equals(RECORD_SIGNATURE)) {
                        throw new BitLockerFormatException("no FVE-EOWBR signature");
                    }
                    int recHeader = rec.u16(10);
                    long recSize = rec.u32(12);
                    long bitCount = rec.u32(16);
                    long sequence = rec.u64(20, "sequence number");
                    if (recHeader != RECORD_HEADER || recSize < recHeader || recSize > recordSize) {
                        throw new BitLockerFormatException("impossible header size " + recHeader + " or size " + recSize);
                    }
                    if (!crcMatches(raw, (int) records[r], (int) recSize, 32, rec.s32(32))) {
                        throw new BitLockerFormatException("CRC-32 mismatch");
                    }
                    if (bitCount < chunks || (bitCount + 7) / 8 > recSize - recHeader) {
                        throw new BitLockerFormatException(bitCount + " bits do not cover the region's " + chunks + " chunks");
                    }
                    if (sequence > bestSequence) {
                        bestSequence = sequence;
                        best = rec.bytes(recHeader, (chunks + 7) / 8);
                    }
                } catch (FormatException e) {
                    problems.add("record " + (r + 1) + ": " + e.getMessage());
                }
            }
            if (best == null) {
                throw new BitLockerFormatException(what + ": no record checks out (" + String.join("; ", problems) + ")");
            }
            return new BitmapBlock(new Region(regionOffset, regionSize, best), blockSize, convLog);
        }

        /** A structure of the map at [offset, offset + length): refused where it overlaps one read before. */
        private void claim(long offset, long length, String what, String name) throws BitLockerFormatException {
            long end = offset + roundUp(length, sectorSize); // offset < 2^63 and length < 2^32: no overflow
            Map.Entry<Long, Long> other = overlap(blocks, offset, end, Long::longValue);
            if (other != null) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "%s takes bytes %d to %d, which overlap %s (bytes %d to %d)", what,
                        offset, end, blockNames.get(other.getKey()), other.getKey(), other.getValue()));
            }
            blocks.put(offset, end);
            blockNames.put(offset, name);
        }

        /** Reads {@code length} bytes of the map; refused outside the volume and once the copy has read {@link #MAX_READ} bytes. */
        private byte[] read(long offset, int length, String what) throws IOException {
            if (offset <= 0 || offset % 512 != 0) {
                throw new BitLockerFormatException(what + ": byte " + Long.toUnsignedString(offset) + " is not the start of a sector inside the volume");
            }
            if (offset >= size || length > size - offset) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "%s: its %d bytes at byte %s reach past the end of the volume (%d bytes)",
                        what, length, Long.toUnsignedString(offset), size));
            }
            if (length > MAX_READ - bytesRead) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "%s: reading its %d bytes would take this copy of the map past "
                        + "the %d MiB bootmedic reads for one", what, length, MAX_READ >> 20));
            }
            bytesRead += length;
            return volume.read(offset, length);
        }

        /** [offset, offset + length), refused unless it starts on a sector after the first and lies inside the volume. */
        private long[] inVolume(long offset, long length, String what) throws BitLockerFormatException {
            if (offset <= 0 || offset % 512 != 0 || offset >= size || length > size - offset) {
                throw new BitLockerFormatException(String.format(Locale.ROOT, "%s (%d bytes at byte %d) lies outside the volume (%d bytes)",
                        what, length, offset, size));
            }
            return new long[]{offset, offset + length};
        }
    }

    private record BitmapBlock(Region region, long blockSize, long convLogOffset) {
    }

    /** Whether the CRC-32 of {@code length} bytes from {@code from}, its own field counted as zeros, is {@code stored}. */
    private static boolean crcMatches(byte[] raw, int from, int length, int crcAt, int stored) {
        CRC32 crc = new CRC32();
        crc.update(raw, from, crcAt);
        crc.update(new byte[4]);
        crc.update(raw, from + crcAt + 4, length - crcAt - 4);
        return (int) crc.getValue() == stored;
    }

    /** The entry of {@code map} (disjoint ranges by start) that overlaps [start, end), or null. */
    private static <T> Map.Entry<Long, T> overlap(TreeMap<Long, T> map, long start, long end, java.util.function.ToLongFunction<T> endOf) {
        Map.Entry<Long, T> before = map.floorEntry(start);
        if (before != null && endOf.applyAsLong(before.getValue()) > start) {
            return before;
        }
        Map.Entry<Long, T> after = map.ceilingEntry(start);
        return after != null && after.getKey() < end ? after : null;
    }

    private static long roundUp(long n, int unit) {
        return (n + unit - 1) / unit * unit;
    }

    private Region regionOf(long phys) {
        int lo = 0;
        int hi = regions.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region r = regions.get(mid);
            if (phys < r.offset) {
                hi = mid - 1;
            } else if (phys >= r.end()) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    /** The first byte of [from, to) that no region covers, or -1 when the regions cover all of it. */
    long firstUncovered(long from, long to) {
        long at = from;
        while (at < to) {
            Region r = regionOf(at);
            if (r == null) {
                return at;
            }
            at = r.end();
        }
        return -1;
    }

    /** Whether the chunk holding byte {@code phys} is encrypted; an error when no region covers it. */
    boolean encrypted(long phys) throws BitLockerFormatException {
        Region r = regionOf(phys);
        if (r == null) {
            throw new BitLockerFormatException(String.format(Locale.ROOT,
                    "byte %d lies in no region of the encrypt-on-write conversion map: it cannot be told whether it is encrypted", phys));
        }
        long chunk = (phys - r.offset) / chunkSize;
        return (r.bits[(int) (chunk >>> 3)] >> (int) (chunk & 7) & 1) != 0;
    }

    /** Where the chunk holding {@code phys} ends (or its region, if sooner). */
    long chunkEnd(long phys) {
        Region r = regionOf(phys);
        if (r == null) {
            return phys + 1;
        }
        long next = r.offset + ((phys - r.offset) / chunkSize + 1) * chunkSize;
        return Math.min(next, r.end());
    }

    /** Bytes in encrypted chunks, and bytes the regions cover. */
    public long[] encryptedAndTotal() {
        long enc = 0;
        long total = 0;
        for (Region r : regions) {
            total += r.size;
            long chunks = (r.size - 1) / chunkSize + 1;
            for (long c = 0; c < chunks; c++) {
                if ((r.bits[(int) (c >>> 3)] >> (int) (c & 7) & 1) != 0) {
                    enc += Math.min(chunkSize, r.size - c * chunkSize);
                }
            }
        }
        return new long[]{enc, total};
    }

    @Override
    public String toString() {
        return "EowMap[" + regions.size() + " regions, chunk " + chunkSize + "]";
    }
}
