package io.bootmedic.image.vhdx;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.ImageFormatException;

/**
 * The 64 KiB VHDX region table ([MS-VHDX] 2.2.3 "Region Table"), at 192 KiB with a copy at
 * 256 KiB: where the BAT and the metadata region are. Checked: "regi" signature, CRC-32C,
 * EntryCount at most 2047, each region 1 MiB-aligned, at least 1 MiB in, inside the file; an
 * unknown region marked Required is refused (2.2.3.2).
 */
public record VhdxRegionTable(Region bat, Region metadata) {
    static final int SIZE = 64 * 1024;
    static final long AT_1 = 192 * 1024;
    static final long AT_2 = 256 * 1024;
    static final String BAT_REGION = "2DC27766-F623-4200-9D64-115E9BFD4A08";
    public static final String METADATA_REGION = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
    private static final long MB = 1 << 20;

    /** One region: {@code length} bytes at byte {@code offset} of the file. */
    record Region(long offset, long length) {
        boolean overlaps(long at, long count) {
            return at < offset + length && offset < at + count;
        }
    }

    static VhdxRegionTable parse(byte[] raw, long fileSize, String what) throws FormatException {
        LeBytes t = LeBytes.of(raw, what);
        if (!"regi".equals(t.ascii(0, 4))) {
            throw new ImageFormatException(what + " has no 'regi' signature");
        }
        if (VhdxHeader.crc32c(raw, 4) != t.s32(4)) {
            throw new ImageFormatException(what + ": CRC-32C mismatch");
        }
        long count = t.u32(8);
        if (count > 2047) {
            throw new ImageFormatException(what + " claims " + count + " entries (at most 2047)");
        }
        Region bat = null;
        Region metadata = null;
        for (int i = 0; i < count; i++) {
            LeBytes e = t.slice(16 + 32L * i, 32, "entry " + i);
            String guid = e.guidText(0);
            long offset = e.u64(16, "FileOffset");
            long length = e.u32(24);
            if (offset < MB || offset % MB != 0 || length % MB != 0) {
                throw new ImageFormatException(what + ": region " + guid + " (" + length + " bytes at " + offset + ") is not 1 MiB-aligned");
            }
            Exact.requireRange(offset, length, fileSize, what + ": region " + guid + " (the image is truncated?)");
            Region r = new Region(offset, length);
            if (guid.equals(BAT_REGION) && bat == null) {
                bat = r;
            } else if (guid.equals(METADATA_REGION) && metadata == null) {
                metadata = r;
            } else if (guid.equals(BAT_REGION) || guid.equals(METADATA_REGION)) {
                throw new ImageFormatException(what + ": region " + guid + " appears twice");
            } else if ((e.u32(28) & 1) != 0) {
                throw new ImageFormatException(what + ": region " + guid + " is required but unknown to bootmedic");
            }
        }
        if (bat == null || metadata == null) {
            throw new ImageFormatException(what + " names no block table or no metadata region");
        }
        if (bat.overlaps(metadata.offset(), metadata.length())) {
            throw new ImageFormatException(what + ": the block table and the metadata region overlap");
        }
        return new VhdxRegionTable(bat, metadata);
    }
}
