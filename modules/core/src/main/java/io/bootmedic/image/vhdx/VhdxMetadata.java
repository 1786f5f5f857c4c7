package io.bootmedic.image.vhdx;

import io.bootmedic.format.Exact;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;

/**
 * The VHDX metadata region ([MS-VHDX] 2.6): a 64 KiB table ("metadata" signature, EntryCount at
 * most 2047, 2.6.1.1) whose entries (2.6.1.2) point at items inside the region (Offset at least
 * 64 KiB, Length at most 1 MiB). The items read: File Parameters (2.6.2.1: block size 1-256 MiB,
 * a power of two; HasParent), Virtual Disk Size (2.6.2.2: at most 64 TiB, whole sectors) and
 * Logical Sector Size (2.6.2.4: 512 or 4096). Each item is read on its own, so the allocation is
 * bounded by the item, not by what the region claims.
 */
public record VhdxMetadata(int blockSize, long diskSize, int logicalSectorSize) {
    static final int TABLE_SIZE = 64 * 1024;
    static final long MAX_DISK_SIZE = 64L << 40;
    public static final String FILE_PARAMETERS = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
    public static final String VIRTUAL_DISK_SIZE = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
    static final String LOGICAL_SECTOR_SIZE = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
    private static final long MB = 1 << 20;

    static VhdxMetadata read(BlockDevice file, VhdxRegionTable.Region region) throws IOException {
        String what = file.describe() + ": the VHDX metadata table";
        if (region.length() < TABLE_SIZE) {
            throw new ImageFormatException(what + " region is only " + region.length() + " bytes");
        }
        LeBytes t = LeBytes.of(file.read(region.offset(), TABLE_SIZE), what);
        if (!"metadata".equals(t.ascii(0, 8))) {
            throw new ImageFormatException(what + " has no 'metadata' signature");
        }
        int count = t.u16(10);
        if (count > 2047) {
            throw new ImageFormatException(what + " claims " + count + " entries (at most 2047)");
        }
        LeBytes params = null;
        LeBytes size = null;
        LeBytes sector = null;
        boolean hasParent = false;
        for (int i = 0; i < count; i++) {
            LeBytes e = t.slice(32 + 32L * i, 32, "entry " + i);
            String id = e.guidText(0);
            long offset = e.u32(16);
            long length = e.u32(20);
            boolean known = id.equals(FILE_PARAMETERS) || id.equals(VIRTUAL_DISK_SIZE) || id.equals(LOGICAL_SECTOR_SIZE);
            if (!known) {
                if ((e.u32(24) & 4) != 0 && (e.u32(24) & 1) == 0 && !id.equals(PHYSICAL_SECTOR_SIZE) && !id.equals(VIRTUAL_DISK_ID)
                        && !id.equals(PARENT_LOCATOR)) {
                    throw new ImageFormatException(what + ": metadata item " + id + " is required but unknown to bootmedic");
                }
                hasParent |= id.equals(PARENT_LOCATOR);
                continue;
            }
            if (length > MB || (length != 0 && offset < TABLE_SIZE)) {
                throw new ImageFormatException(what + ": metadata item " + id + " (" + length + " bytes at " + offset + ") is impossible");
            }
            Exact.requireRange(offset, length, region.length(), what + ": metadata item " + id);
            LeBytes item = LeBytes.of(file.read(region.offset() + offset, (int) length), file.describe() + ": VHDX metadata item " + id);
            LeBytes before = switch (id) {
                case FILE_PARAMETERS -> params;
                case VIRTUAL_DISK_SIZE -> size;
                default -> sector;
            };
            if (before != null) {
                throw new ImageFormatException(what + ": metadata item " + id + " appears twice");
            }
            switch (id) {
                case FILE_PARAMETERS -> params = item;
                case VIRTUAL_DISK_SIZE -> size = item;
                default -> sector = item;
            }
        }
        if (params == null || size == null || sector == null) {
            throw new ImageFormatException(what + " lacks the file parameters, the disk size or the sector size");
        }
        long blockSize = params.u32(0);
        hasParent |= (params.u32(4) & 2) != 0;
        long diskSize = size.u64(0, "VirtualDiskSize");
        long sectorSize = sector.u32(0);
        if (hasParent) {
            throw new ImageFormatException(file.describe() + " is a differencing VHDX (it needs its parent); merge it first (Merge-VHD or 'qemu-img convert')");
        }
        if (blockSize < MB || blockSize > 256 * MB || Long.bitCount(blockSize) != 1) {
            throw new ImageFormatException(what + ": block size " + blockSize + " is impossible (a power of two, 1 to 256 MiB)");
        }
        if (sectorSize != 512 && sectorSize != 4096) {
            throw new ImageFormatException(what + ": logical sector size " + sectorSize + " is neither 512 nor 4096");
        }
        if (diskSize <= 0 || diskSize > MAX_DISK_SIZE || diskSize % sectorSize != 0) {
            throw new ImageFormatException(what + ": virtual disk size " + diskSize + " is impossible (whole sectors, at most 64 TiB)");
        }
        return new VhdxMetadata((int) blockSize, diskSize, (int) sectorSize);
    }

    static final String PHYSICAL_SECTOR_SIZE = "CDA348C7-445D-4471-9CC9-E9885251C556";
    static final String VIRTUAL_DISK_ID = "BECA12AB-B2E6-4523-93EF-C309E000C746";
    static final String PARENT_LOCATOR = "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C";
}
