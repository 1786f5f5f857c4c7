package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds room for new cells: a free cell large enough (split when the rest can stand as a cell of its own), or else a
 * new hive bin appended after the last. Cells in use are never moved; a freed cell only becomes a free cell.
 */
final class CellAllocator {
    private final HiveImage image;
    /** Free cells by offset (relative to the hive bins), with their sizes. */
    private final TreeMap<Long, Long> free = new TreeMap<>();

    CellAllocator(HiveImage image) throws HiveFormatException {
        this.image = image;
        long bin = 0;
        while (bin < image.binsSize) {
            long at = BaseBlock.SIZE + bin;
            if (!Le.ascii(image.bytes, at, "hbin") || Le.u32(image.bytes, at + 4, image.name) != bin) {
                throw new HiveFormatException(image.name + ": no valid hive bin at offset " + bin);
            }
            long size = Le.u32(image.bytes, at + 8, image.name);
            if (size < BaseBlock.SIZE || size % BaseBlock.SIZE != 0 || size > image.binsSize - bin) {
                throw new HiveFormatException(image.name + ": hive bin at offset " + bin + " has an impossible size " + size);
            }
            long cell = bin + HiveImage.BIN_HEADER;
            while (cell < bin + size) {
                int raw = Le.s32(image.bytes, BaseBlock.SIZE + cell, image.name);
                long length = raw < 0 ? -(long) raw : raw;
                if (length < 8 || length % 8 != 0 || length > bin + size - cell) {
                    throw new HiveFormatException(image.name + ": cell at " + cell + " has an impossible size " + raw);
                }
                if (raw > 0) {
                    free.put(cell, length);
                }
                cell += length;
            }
            bin += size;
        }
    }

    /** A new allocated cell whose data holds at least {@code dataLength} bytes, zeroed. */
    long allocate(long dataLength) throws HiveFormatException {
        long need = (dataLength + 4 + 7) / 8 * 8;
        if (dataLength < 0 || need > TransactionLog.MAX_HIVE_BINS) {
            throw new HiveLogException(image.name + ": cannot allocate a cell of " + dataLength + " bytes");
        }
        Long found = null;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            if (e.getValue() >= need) {
                found = e.getKey();
                break;
            }
        }
        if (found == null) {
            found = appendBin(need);
        }
        long size = free.remove(found);
        long used = size - need >= 16 ? need : size;
        if (used != size) {
            Le.put32(image.bytes, BaseBlock.SIZE + found + used, size - used, image.name);
            free.put(found + used, size - used);
        }
        int at = Le.at(image.bytes, BaseBlock.SIZE + found, used, image.name);
        Arrays.fill(image.bytes, at + 4, at + (int) used, (byte) 0);
        Le.put32(image.bytes, at, -used, image.name);
        return found;
    }

    /** Marks a cell free; its bytes stay until the cell is reused. */
    void free(long cell) throws HiveFormatException {
        long length = image.capacity(cell) + 4;
        Le.put32(image.bytes, BaseBlock.SIZE + cell, length, image.name);
        free.put(cell, length);
    }

    private long appendBin(long need) throws HiveFormatException {
        long offset = image.binsSize;
        long size = (need + HiveImage.BIN_HEADER + BaseBlock.SIZE - 1) / BaseBlock.SIZE * BaseBlock.SIZE;
        image.ensureLength(BaseBlock.SIZE + offset + size);
        long at = BaseBlock.SIZE + offset;
        Arrays.fill(image.bytes, (int) at, (int) (at + size), (byte) 0);
        image.bytes[(int) at] = 'h';
        image.bytes[(int) at + 1] = 'b';
        image.bytes[(int) at + 2] = 'i';
        image.bytes[(int) at + 3] = 'n';
        Le.put32(image.bytes, at + 4, offset, image.name);
        Le.put32(image.bytes, at + 8, size, image.name);
        Le.put64(image.bytes, at + 20, Filetime.now(), image.name);
        long cell = offset + HiveImage.BIN_HEADER;
        Le.put32(image.bytes, BaseBlock.SIZE + cell, size - HiveImage.BIN_HEADER, image.name);
        free.put(cell, size - HiveImage.BIN_HEADER);
        image.binsSize = offset + size;
        return cell;
    }
}
