package io.bootmedic.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        HivePages pages = new HivePages(channel);
        if (pages.size() < BASE_BLOCK) {
            throw new HiveFormatException("not a registry hive: only " + pages.size() + " bytes");
        }
        ByteBuffer base = le(pages.read(0, 512));
        if (base.getInt(0) != 0x66676572) { // "regf"
            throw new HiveFormatException("not a registry hive: no 'regf' signature");
        }
        int checksum = 0;
        for (int i = 0; i < 508; i += 4) {
            checksum ^= base.getInt(i);
        }
        if (checksum != base.getInt(508) && !(checksum == 0 && base.getInt(508) == 1) && !(checksum == -1 && base.getInt(508) == -2)) {
            throw new HiveFormatException("registry hive header checksum is wrong: the header is damaged");
        }
        int major = base.getInt(0x14);
        int minor = base.getInt(0x18);
        if (major != 1) {
            throw new HiveFormatException("unsupported registry hive version " + major + "." + minor);
        }
        long root = Integer.toUnsignedLong(base.getInt(0x24));
        long binsSize = Integer.toUnsignedLong(base.getInt(0x28));
        long binsEnd = Math.min(BASE_BLOCK + binsSize, pages.size());
        boolean dirty = base.getInt(4) != base.getInt(8);
        Hive hive = new Hive(pages, binsEnd, root, minor, dirty);
        hive.root(); // fail now, not at the first lookup, if the root key is unusable
        return hive;
    }

    /** True when the hive was not cleanly flushed (the machine crashed); values are read as they are. */
    public boolean dirty() {
        return dirty;
    }

    public HiveKey root() throws IOException {
        return key(rootOffset);
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
        int size = le(pages.read(BASE_BLOCK + offset, 4)).getInt(0);
        int length = size == Integer.MIN_VALUE ? 0 : Math.abs(size);
        if (length < 8 || length > MAX_CELL || BASE_BLOCK + offset + length > binsEnd) {
            throw new HiveFormatException("cell at offset " + offset + " has an impossible size " + size);
        }
        return pages.read(BASE_BLOCK + offset + 4, length - 4);
    }

    HiveKey key(long offset) throws IOException {
        ByteBuffer nk = le(cell(offset));
        if (nk.limit() < 0x4C || nk.get(0) != 'n' || nk.get(1) != 'k') {
            throw new HiveFormatException("expected a key (nk) cell at offset " + offset);
        }
        int flags = Short.toUnsignedInt(nk.getShort(0x02));
        int nameLength = Short.toUnsignedInt(nk.getShort(0x48));
        if (0x4C + nameLength > nk.limit()) {
            throw new HiveFormatException("key name at offset " + offset + " runs past its cell");
        }
        String name = decodeName(nk, 0x4C, nameLength, (flags & 0x20) != 0);
        return new HiveKey(this, name, Integer.toUnsignedLong(nk.getInt(0x14)), Integer.toUnsignedLong(nk.getInt(0x1C)),
                Integer.toUnsignedLong(nk.getInt(0x24)), Integer.toUnsignedLong(nk.getInt(0x28)));
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
        ByteBuffer list = le(cell(listOffset));
        if (list.limit() < 4) {
            throw new HiveFormatException("subkey list at offset " + listOffset + " is too short");
        }
        String sig = "" + (char) list.get(0) + (char) list.get(1);
        int count = Short.toUnsignedInt(list.getShort(2));
        int stride = switch (sig) {
            case "lf", "lh" -> 8;
            case "li", "ri" -> 4;
            default -> throw new HiveFormatException("unknown subkey list type '" + sig + "' at offset " + listOffset);
        };
        if (4 + (long) count * stride > list.limit()) {
            throw new HiveFormatException("subkey list at offset " + listOffset + " claims " + count + " entries, more than its cell holds");
        }
        for (int i = 0; i < count; i++) {
            long entry = Integer.toUnsignedLong(list.getInt(4 + i * stride));
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
        ByteBuffer list = le(cell(listOffset));
        if (count * 4 > list.limit()) {
            throw new HiveFormatException("value list at offset " + listOffset + " claims " + count + " values, more than its cell holds");
        }
        for (int i = 0; i < count; i++) {
            out.add(value(Integer.toUnsignedLong(list.getInt(i * 4))));
        }
        return out;
    }

    private HiveValue value(long offset) throws IOException {
        ByteBuffer vk = le(cell(offset));
        if (vk.limit() < 0x14 || vk.get(0) != 'v' || vk.get(1) != 'k') {
            throw new HiveFormatException("expected a value (vk) cell at offset " + offset);
        }
        int nameLength = Short.toUnsignedInt(vk.getShort(0x02));
        long rawSize = Integer.toUnsignedLong(vk.getInt(0x04));
        long dataOffset = Integer.toUnsignedLong(vk.getInt(0x08));
        int type = vk.getInt(0x0C);
        int flags = Short.toUnsignedInt(vk.getShort(0x10));
        if (0x14 + nameLength > vk.limit()) {
            throw new HiveFormatException("value name at offset " + offset + " runs past its cell");
        }
        String name = decodeName(vk, 0x14, nameLength, (flags & 1) != 0);
        return new HiveValue(name, type, () -> data(rawSize, dataOffset, vk));
    }

    private byte[] data(long rawSize, long dataOffset, ByteBuffer vk) throws IOException {
        if ((rawSize & 0x80000000L) != 0) { // small data lives in the offset field itself
            int size = (int) (rawSize & 0x7FFFFFFFL);
            if (size > 4) {
                throw new HiveFormatException("inline value data claims " + size + " bytes (at most 4 fit)");
            }
            byte[] out = new byte[size];
            vk.get(0x08, out, 0, size);
            return out;
        }
        if (rawSize > MAX_CELL) {
            throw new HiveFormatException("value data claims " + rawSize + " bytes");
        }
        int size = (int) rawSize;
        byte[] cell = cell(dataOffset);
        if (size > BIG_DATA_SEGMENT && minorVersion > 3 && cell.length >= 8 && cell[0] == 'd' && cell[1] == 'b') {
            return bigData(le(cell), size);
        }
        if (size > cell.length) {
            throw new HiveFormatException("value data claims " + size + " bytes but its cell holds " + cell.length);
        }
        byte[] out = new byte[size];
        System.arraycopy(cell, 0, out, 0, size);
        return out;
    }

    private byte[] bigData(ByteBuffer db, int size) throws IOException {
        int segments = Short.toUnsignedInt(db.getShort(2));
        ByteBuffer list = le(cell(Integer.toUnsignedLong(db.getInt(4))));
        if ((long) segments * 4 > list.limit()) {
            throw new HiveFormatException("big-data value claims " + segments + " segments, more than its list holds");
        }
        byte[] out = new byte[size];
        int done = 0;
        for (int i = 0; i < segments && done < size; i++) {
            byte[] seg = cell(Integer.toUnsignedLong(list.getInt(i * 4)));
            int n = Math.min(Math.min(seg.length, BIG_DATA_SEGMENT), size - done);
            System.arraycopy(seg, 0, out, done, n);
            done += n;
        }
        if (done < size) {
            throw new HiveFormatException("big-data value is missing segments (" + done + " of " + size + " bytes)");
        }
        return out;
    }

    private static String decodeName(ByteBuffer buf, int at, int length, boolean compressed) {
        byte[] raw = new byte[length];
        buf.get(at, raw, 0, length);
        return compressed ? new String(raw, StandardCharsets.ISO_8859_1) : new String(raw, StandardCharsets.UTF_16LE);
    }

    static boolean sameName(String a, String b) {
        return a.toUpperCase(Locale.ROOT).equals(b.toUpperCase(Locale.ROOT));
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
