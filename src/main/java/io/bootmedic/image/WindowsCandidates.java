package io.bootmedic.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The partitions of a disk that may hold Windows: NTFS or BitLocker volumes in data partitions. */
public final class WindowsCandidates {
    /** What a candidate's first sector says it is. */
    public enum Kind { NTFS, BITLOCKER }

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
            boolean data = p.type().equals(PartitionTable.BASIC_DATA) || p.type().equals("0x07");
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

    /** NTFS boot sectors carry the OEM ID "NTFS    ", BitLocker volumes "-FVE-FS-", at byte 3. */
    static Kind kind(BlockDevice volume) throws IOException {
        if (volume.size() < 512) {
            return null;
        }
        String oem = new String(volume.read(0, 512), 3, 8, StandardCharsets.US_ASCII);
        return switch (oem) {
            case "NTFS    " -> Kind.NTFS;
            case "-FVE-FS-" -> Kind.BITLOCKER;
            default -> null;
        };
    }
}
