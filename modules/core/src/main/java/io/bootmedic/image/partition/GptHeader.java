package io.bootmedic.image.partition;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;
import java.util.zip.CRC32;

/**
 * One GPT header (UEFI specification 2.10, section 5.3.2 "GPT Header"), checked field by field
 * against the disk it was read from. Every LBA it holds is turned into a byte offset here, with
 * exact arithmetic, so nothing downstream multiplies an input number by the sector size.
 *
 * @param lba             where this header was read (MyLBA, checked)
 * @param firstUsableLba  first sector a partition may use
 * @param lastUsableLba   last sector a partition may use
 * @param entriesOffset   byte offset of the partition entry array
 * @param entryCount      NumberOfPartitionEntries
 * @param entrySize       SizeOfPartitionEntry (128 x 2^n)
 * @param entriesCrc      PartitionEntryArrayCRC32
 */
record GptHeader(long lba, int sectorSize, long firstUsableLba, long lastUsableLba, long entriesOffset, int entryCount, int entrySize,
                 int entriesCrc) {
    static final byte[] SIGNATURE = "EFI PART".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** No real disk has more than 128 entries of 128 bytes (16 KiB); 1 MiB leaves room and bounds the allocation. */
    static final int MAX_ENTRY_ARRAY_BYTES = 1 << 20;

    /** Whether the sector at {@code lba} starts with "EFI PART" (a cheap probe for the sector size). */
    static boolean hasSignature(BlockDevice disk, long lba, int sectorSize) throws IOException {
        long at;
        try {
            at = Exact.multiply(lba, sectorSize, "GPT header offset");
        } catch (FormatException e) {
            return false;
        }
        if (lba < 0 || at > disk.size() - SIGNATURE.length) {
            return false;
        }
        return java.util.Arrays.equals(disk.read(at, SIGNATURE.length), SIGNATURE);
    }

    static GptHeader read(BlockDevice disk, long lba, int sectorSize) throws IOException {
        String what = "GPT header at LBA " + lba;
        long sectors = disk.size() / sectorSize;
        if (lba < 1 || lba >= sectors) {
            throw new ImageFormatException(what + " is beyond the end of the disk (" + sectors + " sectors of " + sectorSize + " bytes)");
        }
        LeBytes h = LeBytes.of(disk.read(lba * sectorSize, sectorSize), what);
        if (!h.startsWith(0, SIGNATURE)) {
            throw new ImageFormatException("no GPT signature at LBA " + lba);
        }
        long headerSize = h.u32(12);
        if (headerSize < 92 || headerSize > sectorSize) {
            throw new ImageFormatException(what + ": header size " + headerSize + " is impossible (92 to " + sectorSize + " bytes)");
        }
        byte[] covered = h.bytes(0, headerSize);
        java.util.Arrays.fill(covered, 16, 20, (byte) 0);
        if (crc32(covered) != h.s32(16)) {
            throw new ImageFormatException(what + ": header CRC mismatch");
        }
        long myLba = h.u64(24, "MyLBA");
        if (myLba != lba) {
            throw new ImageFormatException(what + " says it is at LBA " + myLba + ": it is a stray copy or the disk was resized");
        }
        long firstUsable = h.u64(40, "FirstUsableLBA");
        long lastUsable = h.u64(48, "LastUsableLBA");
        if (firstUsable < 2 || lastUsable >= sectors || firstUsable > lastUsable) {
            throw new ImageFormatException(what + ": usable sectors " + firstUsable + "-" + lastUsable + " do not fit a disk of "
                    + sectors + " sectors (is the image cut short?)");
        }
        long entriesLba = h.u64(72, "PartitionEntryLBA");
        long count = h.u32(80);
        long entrySize = h.u32(84);
        if (entrySize < 128 || Long.bitCount(entrySize) != 1) {
            throw new ImageFormatException(what + ": partition entry size " + entrySize + " is not 128 x 2^n");
        }
        long arrayBytes = Exact.multiply(count, entrySize, what + ": partition entry array");
        Exact.requireAtMost(arrayBytes, MAX_ENTRY_ARRAY_BYTES, what + ": partition entry array bytes");
        long entriesOffset = Exact.multiply(entriesLba, sectorSize, what + ": PartitionEntryLBA");
        long entriesEnd = Exact.requireRange(entriesOffset, arrayBytes, disk.size(), what + ": partition entry array");
        boolean insideUsable = entriesEnd > firstUsable * sectorSize && entriesOffset <= lastUsable * sectorSize + sectorSize - 1;
        if (entriesLba < 2 || entriesLba == lba || (arrayBytes > 0 && insideUsable)) {
            throw new ImageFormatException(what + ": the partition entry array (LBA " + entriesLba + ") overlaps the header or the usable sectors");
        }
        return new GptHeader(lba, sectorSize, firstUsable, lastUsable, entriesOffset, (int) count, (int) entrySize, h.s32(88));
    }

    static int crc32(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }
}
