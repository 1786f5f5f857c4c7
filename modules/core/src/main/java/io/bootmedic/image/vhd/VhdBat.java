package io.bootmedic.image.vhd;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The VHD block allocation table (VHD specification 1.0, "Block Allocation Table and Data
 * Blocks"): one big-endian 32-bit sector offset per block, 0xFFFFFFFF for a block not present.
 * Only the entries the virtual size needs are kept (capped before allocating), and each is
 * checked to point at a whole block (sector bitmap + data) inside the file.
 */
final class VhdBat {
    static final long UNALLOCATED = 0xFFFFFFFFL;
    /** 2 TiB (the format's limit) in 512 KiB blocks; Hyper-V's 2 MiB blocks need a quarter of this. */
    static final int MAX_BLOCKS = 4 << 20;
    private static final int CHUNK = 1 << 20;

    private final int[] entries;

    private VhdBat(int[] entries) {
        this.entries = entries;
    }

    static VhdBat read(BlockDevice file, VhdFooter footer, VhdDynamicHeader h, int bitmapBytes, long limit) throws IOException {
        String name = file.describe();
        long blocks = (footer.currentSize() + h.blockSize() - 1) / h.blockSize();
        if (h.maxTableEntries() < blocks) {
            throw new ImageFormatException(name + ": the dynamic VHD block table has " + h.maxTableEntries() + " entries, too few for a "
                    + footer.currentSize() + "-byte disk; the image is damaged");
        }
        int count;
        try {
            count = Exact.requireAtMost(blocks, MAX_BLOCKS, name + ": the dynamic VHD's block count");
        } catch (FormatException e) {
            throw new ImageFormatException(e.getMessage() + "; the header is damaged or the image is larger than a VHD can be");
        }
        int[] entries = new int[count];
        for (int first = 0; first < count; first += CHUNK / 4) {
            int n = Math.min(CHUNK / 4, count - first);
            ByteBuffer raw = ByteBuffer.wrap(file.read(h.tableOffset() + 4L * first, 4 * n));
            for (int i = 0; i < n; i++) {
                int e = raw.getInt(4 * i);
                long sector = Integer.toUnsignedLong(e);
                // sector * 512 < 2^41: no overflow; the block must end before the footer
                if (sector != UNALLOCATED && sector * 512 > limit - bitmapBytes - h.blockSize()) {
                    throw new ImageFormatException(name + ": block " + (first + i) + " lies past the end of the file; the image was cut short (copy it again)");
                }
                if (sector != UNALLOCATED && overlapsMetadata(sector * 512, bitmapBytes + (long) h.blockSize(), footer, h)) {
                    // a write into such a block would overwrite the footer copy, the header or the table itself
                    throw new ImageFormatException(name + ": block " + (first + i) + " overlaps the VHD's own header or block table; the image is damaged");
                }
                entries[first + i] = e;
            }
        }
        requireDisjoint(name, entries, bitmapBytes + (long) h.blockSize());
        return new VhdBat(entries);
    }

    /** No two entries may share space: a write into one block would change the other. */
    private static void requireDisjoint(String name, int[] entries, long blockBytes) throws ImageFormatException {
        long[] present = java.util.Arrays.stream(entries).mapToLong(Integer::toUnsignedLong).filter(s -> s != UNALLOCATED).sorted().toArray();
        for (int i = 1; i < present.length; i++) {
            if (present[i] * 512 < present[i - 1] * 512 + blockBytes) {
                throw new ImageFormatException(name + " is damaged: two blocks of its table share the bytes at " + present[i] * 512
                        + " (a write to one would change the other); nothing was written");
            }
        }
    }

    /** The structures a write must never touch: the footer copy, the dynamic header and this table. */
    static void declare(io.bootmedic.image.block.MetadataMap map, VhdFooter footer, VhdDynamicHeader h) throws ImageFormatException {
        map.declare(0, VhdFooter.SIZE, "VHD footer copy");
        map.declare(footer.dataOffset(), VhdDynamicHeader.SIZE, "VHD dynamic header");
        map.declare(h.tableOffset(), (4L * h.maxTableEntries() + 511) / 512 * 512, VhdBlockDevice.TABLE);
    }

    private static boolean overlapsMetadata(long at, long length, VhdFooter footer, VhdDynamicHeader h) {
        long batEnd = h.tableOffset() + 4 * h.maxTableEntries();
        return at < VhdFooter.SIZE
                || (at < footer.dataOffset() + VhdDynamicHeader.SIZE && footer.dataOffset() < at + length)
                || (at < batEnd && h.tableOffset() < at + length);
    }

    boolean present(long block) {
        return Integer.toUnsignedLong(entries[(int) block]) != UNALLOCATED;
    }

    /** Byte offset of the block's sector bitmap. */
    long offset(long block) {
        return Integer.toUnsignedLong(entries[(int) block]) * 512;
    }

    void set(long block, long byteOffset) {
        entries[(int) block] = (int) (byteOffset / 512);
    }
}
