package io.bootmedic.image;

import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.SliceBlockDevice;
import io.bootmedic.image.partition.Partition;
import io.bootmedic.image.partition.PartitionTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The partitions of a disk that may hold Windows: NTFS or BitLocker volumes in data partitions. */
public final class WindowsCandidates {
    /** What a candidate's first sector says it is. FAT volumes are never Windows system volumes, but a To Go stick decrypts to one. */
    public enum Kind { NTFS, BITLOCKER, FAT }

    /** One candidate volume, as a device of its own. */
    public record Candidate(BlockDevice volume, Kind kind, Partition partition) {
    }

    /** The candidates and what the partition table said, for reports and messages. */
    public record Found(List<Candidate> candidates, PartitionTable.Result table) {
    }

    private WindowsCandidates() {
    }

    public static Found find(BlockDevice disk) throws IOException {
        // a partition image (a "superfloppy") is itself the volume: its boot sector also ends in 55 AA
        Kind whole = kind(disk);
        if (whole != null) {
            return new Found(List.of(new Candidate(disk, whole, null)), new PartitionTable.Result("none", List.of(), List.of()));
        }
        PartitionTable.Result table = PartitionTable.read(disk);
        List<Candidate> out = new ArrayList<>();
        for (Partition p : table.partitions()) {
            boolean data = p.type().equals(PartitionTable.BASIC_DATA) || DATA_TYPES.contains(p.type());
            if (!data) {
                continue;
            }
            BlockDevice volume = new SliceBlockDevice(disk, p.start(), p.length(), disk.describe() + " partition " + p.index());
            Kind k = kind(volume);
            if (k != null) {
                out.add(new Candidate(volume, k, p));
            }
        }
        return new Found(out, table);
    }

    /** MBR types that may hold NTFS, BitLocker or a To Go FAT volume: 0x07 (NTFS/exFAT), 0x06/0x0B/0x0C/0x0E (FAT16/FAT32). */
    private static final java.util.Set<String> DATA_TYPES = java.util.Set.of("0x07", "0x06", "0x0b", "0x0c", "0x0e", "0x0B", "0x0C", "0x0E");

    /**
     * What a volume boot record says, checked before sector 0 is ever read as a partition table: NTFS
     * ("NTFS    "), BitLocker ("-FVE-FS-", or a To Go volume: "MSWIN4.1" with BitLocker's identifier
     * at byte 424, where an MBR would have its partition entries), or FAT (a BIOS parameter block
     * that checks out and "FAT" in its file-system type field). Null for anything else.
     */
    public static Kind kind(BlockDevice volume) throws IOException {
        if (volume.size() < 512) {
            return null;
        }
        byte[] first = volume.read(0, 512);
        String oem = new String(first, 3, 8, StandardCharsets.US_ASCII);
        if (oem.equals("NTFS    ")) {
            return Kind.NTFS;
        }
        if (oem.equals("-FVE-FS-") || (oem.equals("MSWIN4.1") && (bytesAt(first, 424, BITLOCKER_ID) || bytesAt(first, 424, BITLOCKER_EOW_ID)))) {
            return Kind.BITLOCKER;
        }
        return isFat(first) ? Kind.FAT : null;
    }

    /** BitLocker's identifiers as stored (GUIDs 4967D63B-2E29-4AD8-8399-F6A339E3D001 and the encrypt-on-write 92A84D3B-DD80-4D0E-9E4E-B1E3284EAED8). */
    private static final byte[] BITLOCKER_ID = java.util.HexFormat.of().parseHex("3bd66749292ed84a8399f6a339e3d001");
    private static final byte[] BITLOCKER_EOW_ID = java.util.HexFormat.of().parseHex("3b4da89280dd0e4d9e4eb1e3284eaed8");

    private static boolean bytesAt(byte[] b, int at, byte[] expected) {
        return java.util.Arrays.equals(b, at, at + expected.length, expected, 0, expected.length);
    }

    /** A FAT12/16/32 boot sector: jump, sane BIOS parameter block, "FAT" at byte 54 or 82, 55 AA. */
    static boolean isFat(byte[] b) {
        int jump = b[0] & 0xFF;
        int bytesPerSector = (b[11] & 0xFF) | (b[12] & 0xFF) << 8;
        int sectorsPerCluster = b[13] & 0xFF;
        int reserved = (b[14] & 0xFF) | (b[15] & 0xFF) << 8;
        int fats = b[16] & 0xFF;
        boolean signature = (b[510] & 0xFF) == 0x55 && (b[511] & 0xFF) == 0xAA;
        boolean type = new String(b, 54, 3, StandardCharsets.US_ASCII).equals("FAT") || new String(b, 82, 5, StandardCharsets.US_ASCII).equals("FAT32");
        return (jump == 0xEB || jump == 0xE9) && signature && type
                && bytesPerSector >= 512 && bytesPerSector <= 4096 && Integer.bitCount(bytesPerSector) == 1
                && sectorsPerCluster > 0 && Integer.bitCount(sectorsPerCluster) == 1 && reserved >= 1 && (fats == 1 || fats == 2);
    }
}
