package io.bootmedic.registry.edit;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.registry.HiveFormatException;

import java.util.ArrayList;
import java.util.List;

/**
 * One transaction log file (.LOG, .LOG1, .LOG2) as read, never trusted: its partial base block, and either the new
 * format's {@code HvLE} entries or the old format's dirty vector ({@code DIRT}) with its 512-byte pages.
 */
final class TransactionLog {
    /** Hives larger than this do not exist (a SOFTWARE hive is about 100 MB); every allocation stays below it. */
    static final long MAX_HIVE_BINS = 1L << 30;
    private static final int ENTRY_HEADER = 40;

    enum Format { NEW, OLD, UNUSABLE }

    /** A page to copy: {@code size} bytes from {@code dataOffset} of the log to {@code hiveOffset} of the hive bins data. */
    record Page(long hiveOffset, int size, int dataOffset) {
    }

    /**
     * A new-format entry; {@code problem} is null when it passed every check. {@code hashesOk} tells a damaged entry
     * (where Windows stops its recovery) from one whose hashes hold but whose content is impossible (which is refused).
     */
    record Entry(long offset, long size, long sequence, long binsSize, List<Page> pages, String problem, boolean hashesOk) {
        boolean ok() {
            return problem == null;
        }
    }

    final String name;
    final byte[] data;
    final BaseBlock base;
    final Format format;
    /** Why the log is unusable, or null. */
    final String unusable;

    private TransactionLog(String name, byte[] data, BaseBlock base, Format format, String unusable) {
        this.name = name;
        this.data = data;
        this.base = base;
        this.format = format;
        this.unusable = unusable;
    }

    static TransactionLog parse(String name, byte[] data) throws HiveFormatException {
        BaseBlock base = BaseBlock.parse(data, name);
        if (base == null) {
            return new TransactionLog(name, data, null, Format.UNUSABLE, "has no 'regf' base block");
        }
        if (!base.checksumOk()) {
            return new TransactionLog(name, data, base, Format.UNUSABLE, "has a base block with a wrong checksum");
        }
        if (base.primarySequence() != base.secondarySequence()) {
            return new TransactionLog(name, data, base, Format.UNUSABLE,
                    "was not completely written (its sequence numbers " + base.sequences() + " differ)");
        }
        if (base.fileType() == BaseBlock.TYPE_NEW_LOG) {
            return new TransactionLog(name, data, base, Format.NEW, null);
        }
        if ((base.fileType() == 1 || base.fileType() == 2) && Le.ascii(data, BaseBlock.SECTOR, "DIRT")) {
            return new TransactionLog(name, data, base, Format.OLD, null);
        }
        return new TransactionLog(name, data, base, Format.UNUSABLE, "is neither a new-format (HvLE) nor an old-format (DIRT) log (file type "
                + base.fileType() + ")");
    }

    /** The new-format entry at {@code offset}, or null where no entry starts (the end of the log's written part). */
    Entry entryAt(long offset, long currentBinsSize) throws HiveFormatException {
        if (offset > data.length - (long) ENTRY_HEADER || !Le.ascii(data, offset, "HvLE")) {
            return null;
        }
        String at = name + " entry at offset " + offset;
        long size = Le.u32(data, offset + 4, at);
        long sequence = Le.u32(data, offset + 12, at);
        long binsSize = Le.u32(data, offset + 16, at);
        long count = Le.u32(data, offset + 20, at);
        if (size < ENTRY_HEADER || size % BaseBlock.SECTOR != 0 || size > data.length - offset) {
            return broken(offset, size, sequence, binsSize, at + " claims " + size + " bytes, which do not fit the log");
        }
        long hash1 = Le.u64(data, offset + 24, at);
        long hash2 = Le.u64(data, offset + 32, at);
        if (Marvin32.hash(data, (int) offset, 32, Marvin32.REGISTRY_SEED) != hash2) {
            return broken(offset, size, sequence, binsSize, at + " fails its header hash (Hash-2)");
        }
        if (Marvin32.hash(data, (int) offset + ENTRY_HEADER, (int) size - ENTRY_HEADER, Marvin32.REGISTRY_SEED) != hash1) {
            return broken(offset, size, sequence, binsSize, at + " fails its data hash (Hash-1)");
        }
        try {
            return new Entry(offset, size, sequence, binsSize, pages(offset, size, binsSize, count, currentBinsSize, at), null, true);
        } catch (FormatException e) {
            return new Entry(offset, size, sequence, binsSize, List.of(), e.getMessage(), true);
        }
    }

    private List<Page> pages(long offset, long size, long binsSize, long count, long currentBinsSize, String at) throws FormatException {
        if (binsSize == 0 || binsSize % BaseBlock.SIZE != 0 || binsSize > MAX_HIVE_BINS) {
            throw new HiveFormatException(at + " gives an impossible hive bins size " + binsSize);
        }
        long refsEnd = Exact.add(ENTRY_HEADER, Exact.multiply(count, 8, at + " page references"), at);
        if (refsEnd > size) {
            throw new HiveFormatException(at + " claims " + count + " dirty pages, more references than the entry holds");
        }
        List<Page> pages = new ArrayList<>();
        long cursor = refsEnd;
        long pageBytes = 0;
        for (long i = 0; i < count; i++) {
            long hiveOffset = Le.u32(data, offset + ENTRY_HEADER + i * 8, at);
            long pageSize = Le.u32(data, offset + ENTRY_HEADER + i * 8 + 4, at);
            if (pageSize == 0 || pageSize % BaseBlock.SECTOR != 0 || hiveOffset % BaseBlock.SECTOR != 0
                    || Exact.add(hiveOffset, pageSize, at) > binsSize) {
                throw new HiveFormatException(at + " has a dirty page (" + pageSize + " bytes at " + hiveOffset + ") outside its " + binsSize
                        + "-byte hive");
            }
            if (Exact.add(cursor, pageSize, at) > size) {
                throw new HiveFormatException(at + " has dirty pages past its end");
            }
            pages.add(new Page(hiveOffset, (int) pageSize, (int) (offset + cursor)));
            cursor += pageSize;
            pageBytes += pageSize;
        }
        if (binsSize > Exact.add(currentBinsSize, pageBytes, at)) {
            throw new HiveFormatException(at + " grows the hive to " + binsSize + " bytes without the pages that would fill it");
        }
        return pages;
    }

    private static Entry broken(long offset, long size, long sequence, long binsSize, String problem) {
        return new Entry(offset, size, sequence, binsSize, List.of(), problem, false);
    }

    /** The old format's dirty pages, checked against the file; refused as a whole if any lies outside it. */
    List<Page> oldFormatPages() throws HiveFormatException {
        long binsSize = base.hiveBinsSize();
        if (binsSize == 0 || binsSize % BaseBlock.SIZE != 0 || binsSize > MAX_HIVE_BINS) {
            throw new HiveLogException(name + ": its base block gives an impossible hive bins size " + binsSize);
        }
        long bits = binsSize / BaseBlock.SECTOR;
        long bitmapBytes = (bits + 7) / 8;
        long vectorEnd = BaseBlock.SECTOR + 4 + bitmapBytes;
        if (vectorEnd > data.length) {
            throw new HiveLogException(name + ": its dirty vector runs past the end of the file");
        }
        long pagesStart = (vectorEnd + BaseBlock.SECTOR - 1) / BaseBlock.SECTOR * BaseBlock.SECTOR;
        List<Page> pages = new ArrayList<>();
        long next = pagesStart;
        for (long bit = 0; bit < bits; bit++) {
            int b = data[(int) (BaseBlock.SECTOR + 4 + bit / 8)] & 0xFF;
            if ((b & (1 << (bit % 8))) == 0) {
                continue;
            }
            if (next > data.length - (long) BaseBlock.SECTOR) {
                throw new HiveLogException(name + ": its dirty vector names more pages than the file holds");
            }
            pages.add(new Page(bit * BaseBlock.SECTOR, BaseBlock.SECTOR, (int) next));
            next += BaseBlock.SECTOR;
        }
        return pages;
    }
}
