package io.bootmedic.image.partition;

import io.bootmedic.format.Exact;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The GPT partition entry array (UEFI specification 2.10, section 5.3.3 "GPT Partition Entry
 * Array"): CRC-checked as a whole, then each used entry turned into a {@link Partition} whose
 * extent lies inside the header's usable sectors.
 */
final class GptEntries {
    static final String UNUSED = "00000000-0000-0000-0000-000000000000";
    static final Map<String, String> TYPES = Map.of(
            PartitionTable.BASIC_DATA, "Microsoft basic data",
            "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system",
            "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved",
            "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery",
            "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem");

    private GptEntries() {
    }

    static List<Partition> read(BlockDevice disk, GptHeader h) throws IOException {
        int bytes = Exact.toInt((long) h.entryCount() * h.entrySize(), "GPT partition entry array");
        byte[] raw = disk.read(h.entriesOffset(), bytes);
        if (GptHeader.crc32(raw) != h.entriesCrc()) {
            throw new ImageFormatException("GPT entry array CRC mismatch (header at LBA " + h.lba() + ")");
        }
        LeBytes array = LeBytes.of(raw, "GPT partition entry array");
        long sector = h.sectorSize();
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < h.entryCount(); i++) {
            LeBytes e = array.slice((long) i * h.entrySize(), h.entrySize(), "entry " + (i + 1));
            String type = e.guidText(0);
            if (type.equals(UNUSED)) {
                continue;
            }
            long first = e.u64(32, "StartingLBA");
            long last = e.u64(40, "EndingLBA");
            if (first < h.firstUsableLba() || last > h.lastUsableLba() || last < first) {
                throw new ImageFormatException("GPT partition " + (i + 1) + " (LBA " + first + "-" + last + ") lies outside the usable sectors "
                        + h.firstUsableLba() + "-" + h.lastUsableLba() + " of " + disk.describe());
            }
            // both below lastUsable < disk sectors, so these products fit; Exact keeps that visible
            long start = Exact.multiply(first, sector, "GPT partition " + (i + 1) + " start");
            long length = Exact.multiply(last - first + 1, sector, "GPT partition " + (i + 1) + " length");
            out.add(new Partition(i + 1, start, length, type, TYPES.getOrDefault(type, "unknown type"), e.utf16z(56, 72)));
        }
        return out;
    }
}
