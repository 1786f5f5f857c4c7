package io.bootmedic.image.vhdx;

import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;
import io.bootmedic.image.block.MetadataMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * Everything a write to a VHDX could touch, checked before its first byte: the structures
 * (the first MiB with the file identifier, both headers and both region tables; the log; the
 * block table; the metadata region) must lie inside the file without overlapping, and every
 * entry of the block table, read page by page and never kept, must point at a whole block inside
 * the file, 1 MiB aligned, clear of every structure and of every other block. So a 64 TiB disk
 * costs one 64 KiB page of memory plus a bit per MiB of the file.
 */
final class VhdxPreflight {
    static final String HEAD = "VHDX headers and region tables", LOG = "VHDX log", BAT = "VHDX block table", METADATA = "VHDX metadata region";
    private static final long MB = 1 << 20;

    private VhdxPreflight() {
    }

    static MetadataMap check(BlockDevice file, VhdxHeader header, VhdxRegionTable regions, VhdxMetadata meta, long chunkRatio, long entries)
            throws IOException {
        String name = file.describe();
        long size = file.size();
        MetadataMap map = new MetadataMap(name);
        declare(map, size, 0, MB, HEAD);
        LeBytes h = LeBytes.of(header.raw(), name + ": VHDX header");
        long logLength = h.u32(68);
        long logOffset = h.s64(72);
        if (logLength > 0) {
            declare(map, size, logOffset, logLength, LOG);
        }
        declare(map, size, regions.bat().offset(), regions.bat().length(), BAT);
        declare(map, size, regions.metadata().offset(), regions.metadata().length(), METADATA);
        map.seal();

        BitSet taken = new BitSet((int) Math.min(Integer.MAX_VALUE, size / MB + 1));
        int perPage = VhdxBat.PAGE_BYTES / 8;
        for (long first = 0; first < entries; first += perPage) {
            int n = (int) Math.min(perPage, entries - first);
            ByteBuffer page = ByteBuffer.wrap(file.read(regions.bat().offset() + first * 8, n * 8)).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < n; k++) {
                long index = first + k;
                long e = page.getLong(8 * k);
                boolean bitmap = (index + 1) % (chunkRatio + 1) == 0;
                check(map, taken, name, size, index, e, bitmap ? MB : meta.blockSize(), bitmap);
            }
        }
        return map;
    }

    private static void declare(MetadataMap map, long size, long offset, long length, String what) throws ImageFormatException {
        if (offset < 0 || length <= 0 || offset % MB != 0 && offset != 0 || offset > size || length > size - offset) {
            throw new ImageFormatException(map.image() + ": the " + what + " (" + length + " bytes at " + offset + ") does not lie inside the "
                    + size + "-byte file; the image is damaged or was cut short, nothing was written (qemu-img check on a copy shows it)");
        }
        map.declare(offset, length, what);
    }

    private static void check(MetadataMap map, BitSet taken, String name, long size, long index, long e, long length, boolean bitmap)
            throws ImageFormatException {
        int state = (int) (e & 7);
        boolean present = bitmap ? state == 6 : state == VhdxBat.PAYLOAD_FULLY_PRESENT;
        if (bitmap ? state != 0 && state != 6 : state == 4 || state == 5 || state == 7) {
            throw new ImageFormatException(name + ": VHDX block table entry " + index + " has state " + state
                    + ", which a disk without a parent cannot have; the image is damaged, nothing was written");
        }
        if (!present) {
            return;
        }
        long at = (e >>> 20) * MB;
        String what = "VHDX block table entry " + index + (bitmap ? " (a sector bitmap)" : "");
        if (e >>> 20 > (Long.MAX_VALUE >>> 20) || at < MB || at > size || length > size - at) {
            throw new ImageFormatException(name + ": " + what + " points at " + length + " bytes at byte " + at + ", which do not lie wholly inside the "
                    + size + "-byte file; the image was cut short or is damaged, nothing was written (copy it again)");
        }
        MetadataMap.Extent hit = map.overlap(at, length);
        if (hit != null) {
            throw new ImageFormatException(name + " is damaged: " + what + " points into " + hit + " (a write there would destroy it); nothing was written");
        }
        int firstMb = (int) (at / MB);
        int mbs = (int) (length / MB);
        int clash = taken.nextSetBit(firstMb);
        if (clash >= 0 && clash < firstMb + mbs) {
            throw new ImageFormatException(name + " is damaged: " + what + " points at byte " + at
                    + ", which another entry also uses (a write to one block would change the other); nothing was written");
        }
        taken.set(firstMb, firstMb + mbs);
    }
}
