package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

import java.util.Arrays;

/**
 * A hive's bytes in memory, addressed by cell offset (relative to the first hive bin), with every cell checked
 * before use: the offset is 8-aligned and inside the hive bins, the size field fits, the cell is allocated.
 */
final class HiveImage {
    static final long NONE = 0xFFFFFFFFL;
    static final int BIN_HEADER = 32;
    final String name;
    byte[] bytes;
    long binsSize;
    final long minorVersion;

    HiveImage(String name, byte[] bytes) throws HiveFormatException {
        BaseBlock base = BaseBlock.parse(bytes, name);
        if (base == null || base.dirty()) {
            throw new HiveLogException(name + ": only a clean (replayed) hive can be edited");
        }
        this.name = name;
        this.bytes = bytes;
        this.binsSize = base.hiveBinsSize();
        this.minorVersion = base.minor();
        if (binsSize % BaseBlock.SIZE != 0 || binsSize > bytes.length - (long) BaseBlock.SIZE) {
            throw new HiveLogException(name + ": hive bins size " + binsSize + " does not fit the " + bytes.length + "-byte hive");
        }
    }

    long root() throws HiveFormatException {
        return Le.u32(bytes, 36, name);
    }

    /** The file offset of a cell's data (after its size field), after checking the cell is allocated and whole. */
    long data(long cell) throws HiveFormatException {
        capacity(cell);
        return BaseBlock.SIZE + cell + 4;
    }

    /** Bytes a cell's data can hold (its size less the size field). */
    long capacity(long cell) throws HiveFormatException {
        if (cell == NONE || cell < 0 || cell % 8 != 0 || cell > binsSize - 8) {
            throw new HiveFormatException(name + ": cell offset " + cell + " lies outside the hive bins");
        }
        int size = Le.s32(bytes, BaseBlock.SIZE + cell, name);
        if (size >= 0 || size == Integer.MIN_VALUE) {
            throw new HiveFormatException(name + ": cell at " + cell + " is not allocated (size " + size + ")");
        }
        long length = -(long) size;
        if (length < 8 || length % 8 != 0 || length > binsSize - cell) {
            throw new HiveFormatException(name + ": cell at " + cell + " has an impossible size " + length);
        }
        return length - 4;
    }

    long u32(long cell, long field) throws HiveFormatException {
        requireField(cell, field, 4);
        return Le.u32(bytes, data(cell) + field, name);
    }

    int u16(long cell, long field) throws HiveFormatException {
        requireField(cell, field, 2);
        return Le.u16(bytes, data(cell) + field, name);
    }

    void put32(long cell, long field, long value) throws HiveFormatException {
        requireField(cell, field, 4);
        Le.put32(bytes, data(cell) + field, value, name);
    }

    void put16(long cell, long field, int value) throws HiveFormatException {
        requireField(cell, field, 2);
        Le.put16(bytes, data(cell) + field, value, name);
    }

    void put64(long cell, long field, long value) throws HiveFormatException {
        requireField(cell, field, 8);
        Le.put64(bytes, data(cell) + field, value, name);
    }

    byte[] read(long cell, long field, long length) throws HiveFormatException {
        requireField(cell, field, length);
        int at = Le.at(bytes, data(cell) + field, length, name);
        return Arrays.copyOfRange(bytes, at, at + (int) length);
    }

    void write(long cell, long field, byte[] data) throws HiveFormatException {
        requireField(cell, field, data.length);
        System.arraycopy(data, 0, bytes, Le.at(bytes, data(cell) + field, data.length, name), data.length);
    }

    boolean signature(long cell, String sig) throws HiveFormatException {
        return capacity(cell) >= 2 && Le.ascii(bytes, data(cell), sig);
    }

    private void requireField(long cell, long field, long width) throws HiveFormatException {
        if (field < 0 || width < 0 || field > capacity(cell) - width) {
            throw new HiveFormatException(name + ": a " + width + "-byte field at " + field + " runs past the cell at " + cell);
        }
    }

    /** Grows the image so {@code length} bytes exist; bounded by the largest hive this tool edits. */
    void ensureLength(long length) throws HiveFormatException {
        if (length > BaseBlock.SIZE + TransactionLog.MAX_HIVE_BINS) {
            throw new HiveLogException(name + ": the edit would grow the hive past " + TransactionLog.MAX_HIVE_BINS + " bytes");
        }
        if (length > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) length);
        }
    }
}
