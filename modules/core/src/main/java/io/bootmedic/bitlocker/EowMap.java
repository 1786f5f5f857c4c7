package io.bootmedic.bitlocker;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
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
 */
public final class EowMap {
    static final String INFO_SIGNATURE = "FVE-EOW\0";
    static final String BITMAP_SIGNATURE = "FVE-EOWBM\0";
    static final String RECORD_SIGNATURE = "FVE-EOWBR\0";
    private static final int INFO_HEADER = 56;
    private static final int BITMAP_HEADER = 60;
    private static final int RECORD_HEADER = 36;
    /** One bitmap block, and all of them together, may not ask for more than this (one bit per chunk: 8 MiB covers 64 TiB at 1 MiB chunks). */
    private static final int MAX_BITMAP_BLOCK = 8 << 20;
    private static final long MAX_BITMAP_TOTAL = 32 << 20;

    /** One region of the volume and the bits of its chunks. */
    record Region(long offset, long size, byte[] bits) {
        long end() {
            return offset + size;
        }
    }

    public final int chunkSize;
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

    /** Reads the first FVE-EOW copy that checks out; the error names each copy's problem. */
    static EowMap read(BlockDevice volume, long[] offsets, int sectorSize) throws IOException {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < offsets.length; i++) {
            try {
                return readCopy(volume, offsets[i], sectorSize, i + 1);
            } catch (FormatException e) {
                problems.add("copy " + (i + 1) + ": " + e.getMessage());
            }
        }
        throw new BitLockerFormatException("the encrypt-on-write conversion map is unreadable (" + String.join("; ", problems) + ")");
    }

    private static EowMap readCopy(BlockDevice volume, long offset, int sectorSize, int copy) throws IOException {
        String what = "FVE-EOW information at byte " + Long.toUnsignedString(offset);
        byte[] head = readAt(volume, offset, INFO_HEADER, what);
        LeBytes h = LeBytes.of(head, what);
        if (!h.ascii(0, 8).equals(INFO_SIGNATURE)) {
            throw new BitLockerFormatException(what + " has no FVE-EOW signature");
        }
        int headerSize = h.u16(8);
        int size = h.u16(10);
        if (headerSize != INFO_HEADER || size < headerSize || (size - headerSize) % 8 != 0) {
            throw new BitLockerFormatException(what + ": impossible header size " + headerSize + " or size " + size);
        }
        byte[] raw = readAt(volume, offset, size, what);
        LeBytes info = LeBytes.of(raw, what);
        long infoSector = info.u32(12);
        long chunk = info.u32(20);
        long convLogSize = info.u32(24);
        long regionCount = info.u32(32);
        requireCrc(raw, 0, size, 36, info.s32(36), what);
        int bitmaps = (size - headerSize) / 8;
        if (infoSector != sectorSize) {
            throw new BitLockerFormatException(what + " is for " + infoSector + "-byte sectors, the volume has " + sectorSize);
        }
        if (chunk < sectorSize || chunk % sectorSize != 0) {
            throw new BitLockerFormatException(what + ": impossible chunk size " + chunk);
        }
        if (regionCount != bitmaps) {
            throw new BitLockerFormatException(what + " counts " + regionCount + " regions but lists " + bitmaps + " bitmaps");
        }
        List<long[]> reserved = new ArrayList<>();
        reserved.add(range(offset, roundUp(size, sectorSize), what));
        for (int k = 0; k < 2; k++) {
            long other = info.u64(40 + 8L * k, "EOW information offset");
            reserved.add(range(other, roundUp(size, sectorSize), what));
        }
        List<Region> regions = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < bitmaps; i++) {
            long at = info.u64(headerSize + 8L * i, "bitmap offset " + (i + 1));
            BitmapBlock b = readBitmap(volume, at, Exact.toInt(chunk, "chunk size"), sectorSize);
            total = Exact.add(total, b.region.bits.length, "the bitmaps' size");
            Exact.requireAtMost(total, MAX_BITMAP_TOTAL, what + ": the bitmaps together");
            regions.add(b.region);
            reserved.add(range(at, roundUp(b.blockSize, sectorSize), "bitmap " + (i + 1)));
            if (convLogSize > 0) {
                reserved.add(range(b.convLogOffset, convLogSize, "conversion log of bitmap " + (i + 1)));
            }
        }
        regions.sort(Comparator.comparingLong(Region::offset));
        for (int i = 1; i < regions.size(); i++) {
            if (regions.get(i).offset < regions.get(i - 1).end()) {
                throw new BitLockerFormatException(what + ": the regions of bitmaps overlap at byte " + regions.get(i).offset);
            }
        }
        return new EowMap((int) chunk, List.copyOf(regions), List.copyOf(reserved), copy);
    }

    private record BitmapBlock(Region region, long blockSize, long convLogOffset) {
    }

    private static BitmapBlock readBitmap(BlockDevice volume, long offset, int chunk, int sectorSize) throws IOException {
        String what = "EOW bitmap at byte " + Long.toUnsignedString(offset);
        LeBytes h = LeBytes.of(readAt(volume, offset, BITMAP_HEADER, what), what);
        if (!h.ascii(0, 10).equals(BITMAP_SIGNATURE)) {
            throw new BitLockerFormatException(what + " has no FVE-EOWBM signature");
        }
        int headerSize = h.u16(10);
        long size = h.u32(12);
        if (headerSize != BITMAP_HEADER) {
            throw new BitLockerFormatException(what + ": impossible header size " + headerSize);
        }
        int blockSize = Exact.requireAtMost(size, MAX_BITMAP_BLOCK, what + ": block size");
        byte[] raw = readAt(volume, offset, blockSize, what);
        LeBytes b = LeBytes.of(raw, what);
        long regionOffset = b.u64(20, "region offset");
        long regionSize = b.u64(28, "region size");
        long convLog = b.u64(36, "conversion log offset");
        long[] records = {b.u32(44), b.u32(48)};
        long recordSize = b.u32(52);
        if (records[0] < headerSize || records[0] > blockSize) {
            throw new BitLockerFormatException(what + ": its first record offset " + records[0] + " lies outside it");
        }
        requireCrc(raw, 0, (int) records[0], 56, b.s32(56), what);
        if (regionOffset % sectorSize != 0 || regionSize == 0 || regionSize % sectorSize != 0) {
            throw new BitLockerFormatException(what + ": region of " + regionSize + " bytes at " + regionOffset + " is not whole sectors");
        }
        Exact.add(regionOffset, regionSize, what + ": region end");
        long chunks = (regionSize + chunk - 1) / chunk;
        byte[] best = null;
        long bestSequence = -1;
        List<String> problems = new ArrayList<>();
        for (int r = 0; r < records.length; r++) {
            try {
                Exact.requireRange(records[r], recordSize, blockSize, what + ": record " + (r + 1));
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
                requireCrc(raw, Exact.toInt(records[r], "record offset"), (int) recSize, 32, rec.s32(32), "record " + (r + 1));
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

    private static byte[] readAt(BlockDevice volume, long offset, int length, String what) throws IOException {
        if (offset <= 0 || offset % 512 != 0) {
            throw new BitLockerFormatException(what + ": the offset is not a sector inside the volume");
        }
        Exact.requireRange(offset, length, volume.size(), what + " (outside the volume)");
        return volume.read(offset, length);
    }

    private static void requireCrc(byte[] raw, int from, int length, int crcAt, int stored, String what) throws BitLockerFormatException {
        CRC32 crc = new CRC32();
        crc.update(raw, from, crcAt);
        crc.update(new byte[4]);
        crc.update(raw, from + crcAt + 4, length - crcAt - 4);
        if ((int) crc.getValue() != stored) {
            throw new BitLockerFormatException(what + ": CRC-32 mismatch");
        }
    }

    private static long[] range(long offset, long length, String what) throws FormatException {
        return new long[]{offset, Exact.add(offset, length, what)};
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

    /** Where the last region ends: the size of the volume the map was made for. */
    public long end() {
        return regions.isEmpty() ? 0 : regions.get(regions.size() - 1).end();
    }

    /** Bytes in encrypted chunks, and bytes the regions cover. */
    public long[] encryptedAndTotal() {
        long enc = 0;
        long total = 0;
        for (Region r : regions) {
            total += r.size;
            for (long c = 0; c * chunkSize < r.size; c++) {
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
