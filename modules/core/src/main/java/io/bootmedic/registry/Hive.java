package io.bootmedic.registry;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A read-only reader for Windows registry hive files (regf), enough to read a few values from an
 * offline SYSTEM or SOFTWARE hive. Every offset and length read from the file is checked before it
 * is used: the hives come from machines that crashed.
 */
public final class Hive {
    private static final int BASE_BLOCK = 4096;
    private static final long NONE = 0xFFFFFFFFL;
    /** Cells larger than this do not occur in real hives; a bigger size field means damage. */
    private static final int MAX_CELL = 16 * 1024 * 1024;
    private static final int BIG_DATA_SEGMENT = 16344;
    /** A key of a real hive has at most a few thousand subkeys; lists adding up to more are damage or a loop. */
    private static final int MAX_SUBKEYS = 1_000_000;

    private final HivePages pages;
    private final long binsEnd;
    private final long rootOffset;
    private final int minorVersion;
    private final boolean dirty;

    private Hive(HivePages pages, long binsEnd, long rootOffset, int minorVersion, boolean dirty) {
        this.pages = pages;
        this.binsEnd = binsEnd;
        this.rootOffset = rootOffset;
        this.minorVersion = minorVersion;
        this.dirty = dirty;
    }

    public static Hive open(SeekableByteChannel channel) throws IOException {
        return checked(() -> openChecked(channel));
    }

    /** Reads through the bounds-checked view; what it refuses is said as a damaged hive. */
    @FunctionalInterface
    interface HiveRead<T> {
        T read() throws IOException;
    }

    static <T> T checked(HiveRead<T> read) throws IOException {
        try {
            return read.read();
        } catch (HiveFormatException e) {
            throw e;
        } catch (FormatException e) {
            throw new HiveFormatException("registry hive is damaged: " + e.getMessage(), e);
        }
    }

    private static Hive openChecked(SeekableByteChannel channel) throws IOException {
        HivePages pages = new HivePages(channel);
        if (pages.size() < BASE_BLOCK) {
            throw new HiveFormatException("not a registry hive: only " + pages.size() + " bytes");
        }
        LeBytes base = LeBytes.of(pages.read(0, 512), "registry hive base block");
        if (base.u32(0) != 0x66676572L) { // "regf"
            throw new HiveFormatException("not a registry hive: no 'regf' signature");
        }
        int checksum = 0;
        for (int i = 0; i < 508; i += 4) {
            checksum ^= base.s32(i);
        }
        int stored = base.s32(508);
        if (checksum != stored && !(checksum == 0 && stored == 1) && !(checksum == -1 && stored == -2)) {
            throw new HiveFormatException("registry hive header checksum is wrong: the header is damaged");
        }
        long major = base.u32(0x14);
        long minor = base.u32(0x18);
        if (major != 1) {
            throw new HiveFormatException("unsupported registry hive version " + major + "." + minor);
        }
        long root = base.u32(0x24);
        long binsSize = base.u32(0x28);
        long binsEnd = Math.min(BASE_BLOCK + binsSize, pages.size());
        boolean dirty = base.u32(4) != base.u32(8);
        Hive hive = new Hive(pages, binsEnd, root, (int) Math.min(minor, Integer.MAX_VALUE), dirty);
        hive.root(); // fail now, not at the first lookup, if the root key is unusable
        return hive;
    }

    /** True when the hive was not cleanly flushed (the machine crashed); values are read as they are. */
    public boolean dirty() {
        return dirty;
    }

    public HiveKey root() throws IOException {
        return checked(() -> key(rootOffset));
    }

    /** A key by backslash-separated path below the root, names compared case-insensitively. */
    public Optional<HiveKey> key(String path) throws IOException {
        HiveKey k = root();
        for (String part : path.split("\\\\")) {
            if (part.isEmpty()) {
                continue;
            }
            Optional<HiveKey> next = k.subkey(part);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            k = next.get();
        }
        return Optional.of(k);
    }

    /** Cell data (without the size field) at a cell offset relative to the first hive bin. */
    byte[] cell(long offset) throws IOException {
        if (offset == NONE || offset < 0 || offset % 8 != 0 || BASE_BLOCK + offset + 4 > binsEnd) {
            throw new HiveFormatException("cell offset " + offset + " is outside the hive: the file is truncated or damaged");
        }
        int size = LeBytes.of(pages.read(BASE_BLOCK + offset, 4), "registry hive cell at offset " + offset).s32(0);
        long length = size == Integer.MIN_VALUE ? 0 : Math.abs((long) size);
        if (length < 8 || length > MAX_CELL || BASE_BLOCK + offset + length > binsEnd) {
            throw new HiveFormatException("cell at offset " + offset + " has an impossible size " + size);
        }
        return pages.read(BASE_BLOCK + offset + 4, (int) length - 4);
    }

    private LeBytes cellView(long offset, String what) throws IOException {
        return LeBytes.of(cell(offset), "registry hive " + what + " cell at offset " + offset);
    }

    HiveKey key(long offset) throws IOException {
        LeBytes nk = cellView(offset, "key (nk)");
        if (nk.length() < 0x4C || nk.u8(0) != 'n' || nk.u8(1) != 'k') {
            throw new HiveFormatException("expected a key (nk) cell at offset " + offset);
        }
        int flags = nk.u16(0x02);
        int nameLength = nk.u16(0x48);
        if (0x4C + nameLength > nk.length()) {
            throw new HiveFormatException("key name at offset " + offset + " runs past its cell");
        }
        String name = decodeName(nk, 0x4C, nameLength, (flags & 0x20) != 0);
        return new HiveKey(this, name, nk.u32(0x14), nk.u32(0x1C), nk.u32(0x24), nk.u32(0x28));
    }

    /** Offsets of the subkeys in a subkey list, following index roots (ri) one level at a time. */
    List<Long> subkeyOffsets(long listOffset, long expected) throws IOException {
        List<Long> out = new ArrayList<>();
        if (expected == 0 || listOffset == NONE) {
            return out;
        }
        collect(listOffset, out, new HashSet<>(), 0);
        return out;
    }

    private void collect(long listOffset, List<Long> out, Set<Long> seen, int depth) throws IOException {
        if (depth > 4 || !seen.add(listOffset)) {
            throw new HiveFormatException("subkey list at offset " + listOffset + " loops or nests too deep");
        }
        LeBytes list = cellView(listOffset, "subkey list");
        String sig = list.ascii(0, 2);
        int count = list.u16(2);
        int stride = switch (sig) {
            case "lf", "lh" -> 8;
            case "li", "ri" -> 4;
            default -> throw new HiveFormatException("unknown subkey list type at offset " + listOffset);
        };
        if (Exact.add(4, Exact.multiply(count, stride, "subkey list entries"), "subkey list size") > list.length()) {
            throw new HiveFormatException("subkey list at offset " + listOffset + " claims " + count + " entries, more than its cell holds");
        }
        if (out.size() + count > MAX_SUBKEYS) {
            throw new HiveFormatException("subkey list at offset " + listOffset + " adds up to more than " + MAX_SUBKEYS + " subkeys");
        }
        for (int i = 0; i < count; i++) {
            long entry = list.u32(4L + (long) i * stride);
            if (sig.equals("ri")) {
                collect(entry, out, seen, depth + 1);
            } else {
                out.add(entry);
            }
        }
    }

    List<HiveValue> values(long listOffset, long count) throws IOException {
        List<HiveValue> out = new ArrayList<>();
        if (count == 0 || listOffset == NONE) {
            return out;
        }
        LeBytes list = cellView(listOffset, "value list");
        if (Exact.multiply(count, 4, "value list size") > list.length()) {
            throw new HiveFormatException("value list at offset " + listOffset + " claims " + count + " values, more than its cell holds");
        }
        for (int i = 0; i < count; i++) {
            out.add(value(list.u32(i * 4L)));
        }
        return out;
    }

    private HiveValue value(long offset) throws IOException {
        LeBytes vk = cellView(offset, "value (vk)");
        if (vk.length() < 0x14 || vk.u8(0) != 'v' || vk.u8(1) != 'k') {
            throw new HiveFormatException("expected a value (vk) cell at offset " + offset);
        }
        int nameLength = vk.u16(0x02);
        long rawSize = vk.u32(0x04);
        long dataOffset = vk.u32(0x08);
        int type = vk.s32(0x0C);
        int flags = vk.u16(0x10);
        if (0x14 + nameLength > vk.length()) {
            throw new HiveFormatException("value name at offset " + offset + " runs past its cell");
        }
        String name = decodeName(vk, 0x14, nameLength, (flags & 1) != 0);
        return new HiveValue(name, type, () -> data(rawSize, dataOffset, vk));
    }

    private byte[] data(long rawSize, long dataOffset, LeBytes vk) throws IOException {
        if ((rawSize & 0x80000000L) != 0) { // small data lives in the offset field itself
            int size = (int) (rawSize & 0x7FFFFFFFL);
            if (size > 4) {
                throw new HiveFormatException("inline value data claims " + size + " bytes (at most 4 fit)");
            }
            return vk.bytes(0x08, size);
        }
        int size = Exact.requireAtMost(rawSize, MAX_CELL, "registry value data size");
        byte[] cell = cell(dataOffset);
        if (size > BIG_DATA_SEGMENT && minorVersion > 3 && cell.length >= 8 && cell[0] == 'd' && cell[1] == 'b') {
            return bigData(LeBytes.of(cell, "registry hive big-data (db) cell at offset " + dataOffset), size);
        }
        if (size > cell.length) {
            throw new HiveFormatException("value data claims " + size + " bytes but its cell holds " + cell.length);
        }
        return java.util.Arrays.copyOf(cell, size);
    }

    private byte[] bigData(LeBytes db, int size) throws IOException {
        int segments = db.u16(2);
        LeBytes list = cellView(db.u32(4), "big-data segment list");
        if ((long) segments * 4 > list.length()) {
            throw new HiveFormatException("big-data value claims " + segments + " segments, more than its list holds");
        }
        byte[] out = new byte[size];
        int done = 0;
        for (int i = 0; i < segments && done < size; i++) {
            byte[] seg = cell(list.u32(i * 4L));
            int n = Math.min(Math.min(seg.length, BIG_DATA_SEGMENT), size - done);
            System.arraycopy(seg, 0, out, done, n);
            done += n;
        }
        if (done < size) {
            throw new HiveFormatException("big-data value is missing segments (" + done + " of " + size + " bytes)");
        }
        return out;
    }

    private static String decodeName(LeBytes buf, int at, int length, boolean compressed) throws IOException {
        byte[] raw = buf.bytes(at, length);
        return compressed ? new String(raw, StandardCharsets.ISO_8859_1) : new String(raw, StandardCharsets.UTF_16LE);
    }

    static boolean sameName(String a, String b) {
        return a.toUpperCase(Locale.ROOT).equals(b.toUpperCase(Locale.ROOT));
    }

}
