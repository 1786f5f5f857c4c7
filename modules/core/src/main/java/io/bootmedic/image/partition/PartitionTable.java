package io.bootmedic.image.partition;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the partition table of a disk: GPT ({@link GptHeader}, {@link GptEntries}; CRC-checked,
 * falling back to the backup header) or MBR ({@link MbrTable}, with logical partitions). GPT disks
 * with 512- or 4096-byte logical sectors are recognised by where the header is; a table whose
 * partitions overlap is refused, since one file system would be opened twice.
 */
public final class PartitionTable {
    public static final String BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";

    /**
     * What was read, and anything an admin should know (a damaged primary GPT, say).
     *
     * @param sectorSize the logical sector size the table's sector numbers are in
     */
    public record Result(String scheme, List<Partition> partitions, List<String> warnings, int sectorSize) {
        public Result(String scheme, List<Partition> partitions, List<String> warnings) {
            this(scheme, partitions, warnings, 512);
        }
    }

    private PartitionTable() {
    }

    public static Result read(BlockDevice disk) throws IOException {
        if (disk.size() < 512) {
            throw new ImageFormatException(disk.describe() + " is only " + disk.size() + " bytes: too small to hold a partition table");
        }
        LeBytes mbr = LeBytes.of(disk.read(0, 512), "MBR of " + disk.describe());
        boolean signature = mbr.u16(510) == 0xAA55;
        boolean protective = false;
        for (int i = 0; i < 4 && signature; i++) {
            protective |= mbr.u8(0x1BE + i * 16 + 4) == 0xEE;
        }
        Result result;
        if (protective) {
            result = gpt(disk);
        } else if (!signature) {
            return new Result("none", List.of(), List.of(), sectorSizeHint(disk));
        } else {
            int sector = sectorSizeHint(disk);
            result = new Result("mbr", MbrTable.read(disk, mbr, sector), List.of(), sector);
        }
        refuseOverlaps(disk, result);
        return result;
    }

    private static int sectorSizeHint(BlockDevice disk) {
        return disk.sectorSize() == 4096 ? 4096 : 512;
    }

    /**
     * A 4K-native disk keeps its GPT header at byte 4096 (LBA 1 of 4096-byte sectors). The device's
     * own sector size is tried first; an image file does not know it, so the header's place decides.
     */
    static int gptSectorSize(BlockDevice disk) throws IOException {
        int hint = sectorSizeHint(disk);
        int other = hint == 512 ? 4096 : 512;
        for (int size : new int[]{hint, other}) {
            if (GptHeader.hasSignature(disk, 1, size)) {
                return size;
            }
        }
        for (int size : new int[]{hint, other}) {
            if (GptHeader.hasSignature(disk, disk.size() / size - 1, size)) {
                return size;
            }
        }
        return hint;
    }

    private static Result gpt(BlockDevice disk) throws IOException {
        List<String> warnings = new ArrayList<>();
        int sector = gptSectorSize(disk);
        try {
            return new Result("gpt", GptEntries.read(disk, GptHeader.read(disk, 1, sector)), warnings, sector);
        } catch (FormatException primary) {
            warnings.add("primary GPT is damaged (" + primary.getMessage() + "); using the backup copy at the end of the disk");
            try {
                return new Result("gpt", GptEntries.read(disk, GptHeader.read(disk, disk.size() / sector - 1, sector)), warnings, sector);
            } catch (FormatException backup) {
                throw new ImageFormatException("both GPT copies of " + disk.describe() + " are damaged (primary: " + primary.getMessage()
                        + "; backup: " + backup.getMessage() + "). The disk needs a partition-table repair (e.g. gdisk) before it can be fixed; nothing was written.");
            }
        }
    }

    /** Two entries for the same (or overlapping) sectors would open one file system twice: refuse, naming both. */
    private static void refuseOverlaps(BlockDevice disk, Result r) throws ImageFormatException {
        List<Partition> sorted = new ArrayList<>(r.partitions());
        sorted.sort(Comparator.comparingLong(Partition::start));
        for (int i = 1; i < sorted.size(); i++) {
            Partition a = sorted.get(i - 1);
            Partition b = sorted.get(i);
            if (b.start() < a.start() + a.length()) {
                throw new ImageFormatException(r.scheme().toUpperCase(java.util.Locale.ROOT) + " partitions " + a.index() + " and " + b.index()
                        + " of " + disk.describe() + " overlap (bytes " + a.start() + "+" + a.length() + " and " + b.start() + "+" + b.length()
                        + "): the partition table is damaged; repair it (gdisk, fdisk) or point bootmedic at the right disk. Nothing was written.");
            }
        }
    }
}
