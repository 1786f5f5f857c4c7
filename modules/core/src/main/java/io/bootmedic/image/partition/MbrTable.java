package io.bootmedic.image.partition;

import io.bootmedic.format.Exact;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An MBR partition table: four primary entries at 0x1BE, and for an extended partition the chain
 * of extended boot records (each logical partition relative to its EBR, each next EBR relative to
 * the extended partition), as fdisk and Windows lay them out. Sector numbers are in the disk's
 * logical sector size.
 */
final class MbrTable {
    /** More than any real disk; also bounds the reads a hostile chain can cause. */
    static final int MAX_EBRS = 128;

    private MbrTable() {
    }

    static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0F || type == 0x85;
    }

    static List<Partition> read(BlockDevice disk, LeBytes mbr, int sector) throws IOException {
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            LeBytes e = mbr.slice(0x1BE + i * 16, 16, "entry " + (i + 1));
            int type = e.u8(4);
            if (type == 0 || e.u32(12) == 0) {
                continue;
            }
            long start = Exact.multiply(e.u32(8), sector, "MBR partition " + (i + 1) + " start");
            long length = Exact.multiply(e.u32(12), sector, "MBR partition " + (i + 1) + " length");
            check(disk, start, length, "MBR partition " + (i + 1));
            if (isExtended(type)) {
                logical(disk, start, length, sector, out);
            } else {
                out.add(new Partition(i + 1, start, length, String.format("0x%02X", type), typeName(type), ""));
            }
        }
        return out;
    }

    private static void logical(BlockDevice disk, long extStart, long extLength, int sector, List<Partition> out) throws IOException {
        Set<Long> seen = new HashSet<>();
        long ebr = extStart;
        int index = 5;
        while (true) {
            if (!seen.add(ebr)) {
                throw new ImageFormatException("the extended partition chain of " + disk.describe() + " loops");
            }
            if (seen.size() > MAX_EBRS) {
                throw new ImageFormatException("the extended partition chain of " + disk.describe() + " has more than " + MAX_EBRS + " links");
            }
            check(disk, ebr, sector, "extended boot record");
            LeBytes b = LeBytes.of(disk.read(ebr, 512), "extended boot record at byte " + ebr);
            if (b.u16(510) != 0xAA55) {
                throw new ImageFormatException("extended boot record at byte " + ebr + " of " + disk.describe() + " has no signature");
            }
            int type = b.u8(0x1BE + 4);
            if (type != 0 && b.u32(0x1BE + 12) > 0) {
                String what = "logical partition " + index;
                long start = Exact.add(ebr, Exact.multiply(b.u32(0x1BE + 8), sector, what + " start"), what + " start");
                long length = Exact.multiply(b.u32(0x1BE + 12), sector, what + " length");
                check(disk, start, length, what);
                if (start < extStart || start - extStart > extLength - length || length > extLength) {
                    throw new ImageFormatException(what + " (bytes " + start + "+" + length + ") of " + disk.describe() + " lies outside its extended partition");
                }
                out.add(new Partition(index++, start, length, String.format("0x%02X", type), typeName(type), ""));
            }
            long next = b.u32(0x1CE + 8);
            if (next == 0) {
                return;
            }
            long nextOffset = Exact.multiply(next, sector, "next extended boot record");
            if (nextOffset >= extLength) {
                throw new ImageFormatException("the extended partition chain of " + disk.describe() + " points outside the extended partition");
            }
            ebr = extStart + nextOffset;
        }
    }

    static void check(BlockDevice disk, long start, long length, String what) throws ImageFormatException {
        if (start < 0 || length < 0 || start > disk.size() || length > disk.size() - start) {
            throw new ImageFormatException(what + " (bytes " + start + "+" + length + ") lies outside " + disk.describe()
                    + " (" + disk.size() + " bytes): the partition table is damaged or the image is truncated");
        }
    }

    static String typeName(int type) {
        return switch (type) {
            case 0x07 -> "NTFS/exFAT";
            case 0x0B, 0x0C -> "FAT32";
            case 0x27 -> "Windows recovery";
            case 0x83 -> "Linux";
            default -> "type " + String.format("0x%02X", type);
        };
    }
}
