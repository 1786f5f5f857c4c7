package io.bootmedic.fat;

/**
 * The BIOS parameter block, checked against the FAT specification (Microsoft's fatgen103) and the device's size:
 * every region it describes lies inside the device, in order, without overlap. The FAT type comes from the count
 * of clusters, as the specification says, never from the type string.
 */
record BootSector(int bytesPerSector, int sectorsPerCluster, long reservedSectors, int fatCount, long fatSectors, long rootEntries,
                  long totalSectors, long rootCluster, int activeFat, int type, long clusterCount) {
    static final int FAT12 = 12;
    static final int FAT16 = 16;
    static final int FAT32 = 32;

    static BootSector parse(byte[] s, long deviceSize, String name) throws FatFormatException {
        if (s.length < 512 || (s[510] & 0xFF) != 0x55 || (s[511] & 0xFF) != 0xAA) {
            throw new FatFormatException(name + ": no boot sector signature (55 AA); not a FAT volume");
        }
        int bps = u16(s, 0x0B);
        if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096) {
            throw new FatFormatException(name + ": " + bps + " bytes per sector; FAT allows 512, 1024, 2048 or 4096");
        }
        int spc = s[0x0D] & 0xFF;
        if (spc == 0 || Integer.bitCount(spc) != 1) {
            throw new FatFormatException(name + ": " + spc + " sectors per cluster is not a power of two");
        }
        long reserved = u16(s, 0x0E);
        int fats = s[0x10] & 0xFF;
        long rootEntries = u16(s, 0x11);
        long total16 = u16(s, 0x13);
        long fat16 = u16(s, 0x16);
        long total32 = u32(s, 0x20);
        if (reserved == 0) {
            throw new FatFormatException(name + ": no reserved sectors (the boot sector itself is one)");
        }
        if (fats == 0 || fats > 4) {
            throw new FatFormatException(name + ": " + fats + " FAT copies; expected 1 or 2");
        }
        long fatSectors = fat16 != 0 ? fat16 : u32(s, 0x24);
        long total = total16 != 0 ? total16 : total32;
        if (fatSectors == 0 || total == 0) {
            throw new FatFormatException(name + ": the boot sector gives no FAT size or no total size");
        }
        long rootDirSectors = (rootEntries * 32 + bps - 1) / bps;
        long dataStart = reserved + fats * fatSectors + rootDirSectors;
        if (dataStart >= total) {
            throw new FatFormatException(name + ": the FATs and root directory (" + dataStart + " sectors) fill the whole volume (" + total + ")");
        }
        if (total > deviceSize / bps) {
            throw new FatFormatException(name + ": the boot sector claims " + total + " sectors of " + bps + " bytes, more than the "
                    + deviceSize + "-byte partition holds");
        }
        long clusters = (total - dataStart) / spc;
        int type = clusters < 4085 ? FAT12 : clusters < 65525 ? FAT16 : FAT32;
        long rootCluster = 0;
        int active = 0;
        if (type == FAT32) {
            if (rootEntries != 0 || fat16 != 0) {
                throw new FatFormatException(name + ": a FAT32 volume (by its " + clusters + " clusters) with a FAT12/16 root directory or FAT size");
            }
            int flags = u16(s, 0x28);
            active = (flags & 0x80) != 0 ? flags & 0x0F : 0;
            if (active >= fats) {
                throw new FatFormatException(name + ": the active FAT is number " + active + " of " + fats);
            }
            rootCluster = u32(s, 0x2C);
            if (rootCluster < 2 || rootCluster > clusters + 1) {
                throw new FatFormatException(name + ": the root directory's cluster " + rootCluster + " is outside the volume");
            }
        } else if (rootEntries == 0) {
            throw new FatFormatException(name + ": a FAT" + type + " volume without root directory entries");
        }
        // the FAT must have an entry for every cluster
        long entryBits = (long) type * (clusters + 2);
        if (fatSectors * bps * 8 < entryBits) {
            throw new FatFormatException(name + ": its FAT (" + fatSectors + " sectors) is too small for " + clusters + " clusters");
        }
        return new BootSector(bps, spc, reserved, fats, fatSectors, rootEntries, total, rootCluster, active, type, clusters);
    }

    long clusterBytes() {
        return (long) bytesPerSector * sectorsPerCluster;
    }

    long fatOffset() {
        return (reservedSectors + (long) activeFat * fatSectors) * bytesPerSector;
    }

    long rootDirOffset() {
        return (reservedSectors + (long) fatCount * fatSectors) * bytesPerSector;
    }

    long dataOffset() {
        return rootDirOffset() + rootEntries * 32 + (bytesPerSector - rootEntries * 32 % bytesPerSector) % bytesPerSector;
    }

    /** The device offset of a cluster (2 is the first). */
    long clusterOffset(long cluster) {
        return dataOffset() + (cluster - 2) * clusterBytes();
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    static long u32(byte[] b, int at) {
        return (u16(b, at) | (long) u16(b, at + 2) << 16) & 0xFFFFFFFFL;
    }
}
