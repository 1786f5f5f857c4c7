package io.bootmedic.image.vhdx;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.image.block.GuardedFile;
import io.bootmedic.image.block.ImageFile;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The VHDX block allocation table ([MS-VHDX] 2.5 "BAT"): 64-bit entries, State in bits 0-2 and
 * FileOffsetMB in bits 20-63 (2.5.1), a sector-bitmap entry after every ChunkRatio payload
 * entries (2.5, ChunkRatio = 2^23 x LogicalSectorSize / BlockSize). A 64 TiB disk with 1 MiB
 * blocks has 64 Mi entries (512 MiB), so the table is never held whole: it is read in 64 KiB
 * pages on demand and at most {@link #MAX_PAGES} of them are cached. Each entry is checked when it
 * is used: a present block must lie inside the file and clear of the headers, the BAT and the
 * metadata region, so a write through it can only land in payload space.
 */
final class VhdxBat {
    static final int PAYLOAD_NOT_PRESENT = 0;
    static final int PAYLOAD_UNDEFINED = 1;
    static final int PAYLOAD_ZERO = 2;
    static final int PAYLOAD_UNMAPPED = 3;
    static final int PAYLOAD_FULLY_PRESENT = 6;
    static final int PAGE_BYTES = 64 * 1024;
    static final int MAX_PAGES = 64;
    private static final long MB = 1 << 20;

    private final ImageFile file;
    private final VhdxRegionTable regions;
    private final int blockSize;
    private final long chunkRatio;
    private final long entries;
    private final Map<Long, long[]> pages = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
            return size() > MAX_PAGES;
        }
    };

    private VhdxBat(ImageFile file, VhdxRegionTable regions, int blockSize, long chunkRatio, long entries) {
        this.file = file;
        this.regions = regions;
        this.blockSize = blockSize;
        this.chunkRatio = chunkRatio;
        this.entries = entries;
    }

    static VhdxBat open(ImageFile file, VhdxRegionTable regions, VhdxMetadata meta) throws FormatException {
        long chunkRatio = (1L << 23) * meta.logicalSectorSize() / meta.blockSize();
        long payloadBlocks = (meta.diskSize() + meta.blockSize() - 1) / meta.blockSize();
        long entries = payloadBlocks + (payloadBlocks - 1) / chunkRatio;
        long bytes = Exact.multiply(entries, 8, file.describe() + ": VHDX block table bytes");
        if (bytes > regions.bat().length()) {
            throw new ImageFormatException(file.describe() + ": the VHDX block table (" + regions.bat().length() + " bytes) is too small for a "
                    + meta.diskSize() + "-byte disk (" + entries + " entries)");
        }
        return new VhdxBat(file, regions, meta.blockSize(), chunkRatio, entries);
    }

    /** Index in the table of payload block {@code block}: a sector-bitmap entry follows every chunk. */
    long index(long block) {
        return block + block / chunkRatio;
    }

    /** The file offset of payload block {@code block}, or -1 when it reads as zeros. */
    synchronized long blockOffset(long block) throws IOException {
        long index = index(block);
        long e = entry(index);
        int state = (int) (e & 7);
        switch (state) {
            case PAYLOAD_NOT_PRESENT, PAYLOAD_UNDEFINED, PAYLOAD_ZERO, PAYLOAD_UNMAPPED:
                return -1;
            case PAYLOAD_FULLY_PRESENT:
                break;
            default:
                throw new ImageFormatException(file.describe() + ": VHDX block table entry " + index + " has state " + state
                        + ", which a disk without a parent cannot have; the image is damaged");
        }
        long at = Exact.multiply(e >>> 20, MB, file.describe() + ": VHDX block table entry " + index);
        if (at < MB || at > file.size() - blockSize || regions.bat().overlaps(at, blockSize) || regions.metadata().overlaps(at, blockSize)) {
            throw new ImageFormatException(file.describe() + ": VHDX block table entry " + index + " points at byte " + at
                    + ", outside the payload space of the file; the image is damaged or was cut short");
        }
        return at;
    }

    long chunkRatio() {
        return chunkRatio;
    }

    long entries() {
        return entries;
    }

    /** Records that payload block {@code block} now lives at {@code at} (1 MiB-aligned): the file first, then the cache. */
    synchronized void setPresent(long block, long at, GuardedFile guard) throws IOException {
        long index = index(block);
        long value = (at / MB) << 20 | PAYLOAD_FULLY_PRESENT;
        guard.writeMetadata(regions.bat().offset() + 8 * index, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value),
                VhdxPreflight.BAT);
        long[] page = pages.get(index / (PAGE_BYTES / 8));
        if (page != null) {
            page[(int) (index % (PAGE_BYTES / 8))] = value;
        }
    }

    private long entry(long index) throws IOException {
        if (index < 0 || index >= entries) {
            throw new ImageFormatException(file.describe() + ": VHDX block table entry " + index + " is past the table's " + entries + " entries");
        }
        long pageNo = index / (PAGE_BYTES / 8);
        long[] page = pages.get(pageNo);
        if (page == null) {
            long start = pageNo * PAGE_BYTES;
            int n = (int) Math.min(PAGE_BYTES, entries * 8 - start);
            ByteBuffer raw = ByteBuffer.wrap(file.read(regions.bat().offset() + start, n)).order(ByteOrder.LITTLE_ENDIAN);
            page = new long[n / 8];
            for (int i = 0; i < page.length; i++) {
                page[i] = raw.getLong(8 * i);
            }
            pages.put(pageNo, page);
        }
        return page[(int) (index % (PAGE_BYTES / 8))];
    }
}
