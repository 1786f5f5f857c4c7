package io.bootmedic.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Reads GPT (with CRC checks, falling back to the backup header) and MBR (with extended
 * partitions) partition tables. Every field is checked against the disk before use.
 */
public final class PartitionTable {
    public static final String BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
    static final Map<String, String> GPT_TYPES = Map.of(
            BASIC_DATA, "Microsoft basic data",
            "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system",
            "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved",
            "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery",
            "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem");
    private static final int MAX_GPT_ENTRIES_BYTES = 1 << 20;

    /** What was read, and anything an admin should know (a damaged primary GPT, say). */
    public record Result(String scheme, List<Partition> partitions, List<String> warnings) {
    }

    private PartitionTable() {
    }

    public static Result read(BlockDevice disk) throws IOException {
        if (disk.size() < 512) {
            throw new ImageFormatException(disk.describe() + " is only " + disk.size() + " bytes: too small to hold a partition table");
        }
        ByteBuffer mbr = le(disk.read(0, 512));
        boolean signature = Short.toUnsignedInt(mbr.getShort(510)) == 0xAA55;
        boolean protective = false;
        for (int i = 0; i < 4 && signature; i++) {
            protective |= Byte.toUnsignedInt(mbr.get(0x1BE + i * 16 + 4)) == 0xEE;
        }
        if (protective) {
            return gpt(disk);
        }
        if (!signature) {
            return new Result("none", List.of(), List.of());
        }
        return mbr(disk, mbr);
    }

    private static Result gpt(BlockDevice disk) throws IOException {
        List<String> warnings = new ArrayList<>();
        int sector = 512;
        long lastLba = disk.size() / sector - 1;
        try {
            return new Result("gpt", gptAt(disk, 1, sector), warnings);
        } catch (ImageFormatException primary) {
            warnings.add("primary GPT is damaged (" + primary.getMessage() + "); using the backup copy at the end of the disk");
            try {
                return new Result("gpt", gptAt(disk, lastLba, sector), warnings);
            } catch (ImageFormatException backup) {
                throw new ImageFormatException("both GPT copies of " + disk.describe() + " are damaged (primary: " + primary.getMessage()
                        + "; backup: " + backup.getMessage() + "). The disk needs a partition-table repair (e.g. gdisk) before it can be fixed; nothing was written.");
            }
        }
    }

    private static List<Partition> gptAt(BlockDevice disk, long lba, int sector) throws IOException {
        if ((lba + 1) * sector > disk.size()) {
            throw new ImageFormatException("GPT header at LBA " + lba + " is beyond the end of the disk");
        }
        ByteBuffer h = le(disk.read(lba * sector, sector));
        if (!"EFI PART".equals(new String(h.array(), 0, 8, StandardCharsets.US_ASCII))) {
            throw new ImageFormatException("no GPT signature at LBA " + lba);
        }
        int headerSize = h.getInt(12);
        if (headerSize < 92 || headerSize > sector) {
            throw new ImageFormatException("GPT header size " + headerSize + " is impossible");
        }
        int storedCrc = h.getInt(16);
        byte[] copy = java.util.Arrays.copyOf(h.array(), headerSize);
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0);
        if (crc(copy) != storedCrc) {
            throw new ImageFormatException("GPT header CRC mismatch at LBA " + lba);
        }
        long entriesLba = h.getLong(72);
        long count = Integer.toUnsignedLong(h.getInt(80));
        long entrySize = Integer.toUnsignedLong(h.getInt(84));
        if (entrySize < 128 || entrySize % 8 != 0 || count * entrySize > MAX_GPT_ENTRIES_BYTES) {
            throw new ImageFormatException("GPT entry array (" + count + " x " + entrySize + " bytes) is impossible");
        }
        if (entriesLba < 0 || (entriesLba * sector) + count * entrySize > disk.size()) {
            throw new ImageFormatException("GPT entry array lies beyond the end of the disk");
        }
        byte[] entries = disk.read(entriesLba * sector, (int) (count * entrySize));
        if (crc(entries) != h.getInt(88)) {
            throw new ImageFormatException("GPT entry array CRC mismatch");
        }
        List<Partition> out = new ArrayList<>();
        ByteBuffer e = le(entries);
        for (int i = 0; i < count; i++) {
            int at = (int) (i * entrySize);
            String type = guid(e, at);
            if (type.equals("00000000-0000-0000-0000-000000000000")) {
                continue;
            }
            long first = e.getLong(at + 32);
            long last = e.getLong(at + 40);
            if (first < 0 || last < first || (last + 1) * sector > disk.size()) {
                throw new ImageFormatException("GPT partition " + (i + 1) + " (LBA " + first + "-" + last + ") lies outside the disk");
            }
            String name = new String(entries, at + 56, 72, StandardCharsets.UTF_16LE);
            int nul = name.indexOf('\0');
            out.add(new Partition(i + 1, first * sector, (last - first + 1) * sector, type, GPT_TYPES.getOrDefault(type, "unknown type"),
                    nul >= 0 ? name.substring(0, nul) : name));
        }
        return out;
    }

    private static Result mbr(BlockDevice disk, ByteBuffer mbr) throws IOException {
        List<Partition> out = new ArrayList<>();
        int index = 1;
        for (int i = 0; i < 4; i++) {
            int at = 0x1BE + i * 16;
            int type = Byte.toUnsignedInt(mbr.get(at + 4));
            long start = Integer.toUnsignedLong(mbr.getInt(at + 8)) * 512;
            long length = Integer.toUnsignedLong(mbr.getInt(at + 12)) * 512;
            if (type == 0 || length == 0) {
                index++;
                continue;
            }
            if (type == 0x05 || type == 0x0F || type == 0x85) {
                logical(disk, start, out);
            } else {
                check(disk, start, length, "MBR partition " + index);
                out.add(new Partition(index, start, length, String.format("0x%02X", type), mbrTypeName(type), ""));
            }
            index++;
        }
        return new Result("mbr", out, List.of());
    }

    /** Logical partitions: a chain of extended boot records, each relative to the extended partition. */
    private static void logical(BlockDevice disk, long extendedStart, List<Partition> out) throws IOException {
        Set<Long> seen = new HashSet<>();
        long ebr = extendedStart;
        int index = 5;
        while (ebr > 0 && out.size() < 128) {
            if (!seen.add(ebr)) {
                throw new ImageFormatException("the extended partition chain of " + disk.describe() + " loops");
            }
            check(disk, ebr, 512, "extended boot record");
            ByteBuffer b = le(disk.read(ebr, 512));
            if (Short.toUnsignedInt(b.getShort(510)) != 0xAA55) {
                throw new ImageFormatException("extended boot record at byte " + ebr + " has no signature");
            }
            int type = Byte.toUnsignedInt(b.get(0x1BE + 4));
            long start = ebr + Integer.toUnsignedLong(b.getInt(0x1BE + 8)) * 512;
            long length = Integer.toUnsignedLong(b.getInt(0x1BE + 12)) * 512;
            if (type != 0 && length > 0) {
                check(disk, start, length, "logical partition " + index);
                out.add(new Partition(index++, start, length, String.format("0x%02X", type), mbrTypeName(type), ""));
            }
            long next = Integer.toUnsignedLong(b.getInt(0x1CE + 8)) * 512;
            ebr = next == 0 ? 0 : extendedStart + next;
        }
    }

    private static void check(BlockDevice disk, long start, long length, String what) throws ImageFormatException {
        if (start < 0 || length < 0 || start + length > disk.size()) {
            throw new ImageFormatException(what + " (bytes " + start + "+" + length + ") lies outside " + disk.describe()
                    + ": the partition table is damaged or the image is truncated");
        }
    }

    private static String mbrTypeName(int type) {
        return switch (type) {
            case 0x07 -> "NTFS/exFAT";
            case 0x0B, 0x0C -> "FAT32";
            case 0x27 -> "Windows recovery";
            case 0x83 -> "Linux";
            default -> "type " + String.format("0x%02X", type);
        };
    }

    /** GUIDs are stored with their first three fields little-endian. */
    static String guid(ByteBuffer b, int at) {
        return String.format(Locale.ROOT, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
                b.getInt(at), b.getShort(at + 4), b.getShort(at + 6),
                b.get(at + 8), b.get(at + 9), b.get(at + 10), b.get(at + 11), b.get(at + 12), b.get(at + 13), b.get(at + 14), b.get(at + 15));
    }

    private static int crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
