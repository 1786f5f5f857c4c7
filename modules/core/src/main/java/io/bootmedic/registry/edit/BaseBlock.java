package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

/**
 * The first 512 bytes that matter of a hive's base block (the rest of the 4 KiB block is padding and boot fields), as
 * found in a primary file or, as a partial copy, in the first sector of a transaction log.
 */
record BaseBlock(long primarySequence, long secondarySequence, long timestamp, long major, long minor, long fileType,
        long rootCell, long hiveBinsSize, boolean checksumOk) {
    static final int SECTOR = 512;
    static final int SIZE = 4096;
    static final int OFF_SEQ1 = 4;
    static final int OFF_SEQ2 = 8;
    static final int OFF_TIME = 12;
    static final int OFF_TYPE = 28;
    static final int OFF_BINS_SIZE = 40;
    static final int OFF_CHECKSUM = 508;
    static final long TYPE_PRIMARY = 0;
    static final long TYPE_NEW_LOG = 6;

    /** Parses the base block at the start of {@code file}; null when there is no "regf" signature or too few bytes. */
    static BaseBlock parse(byte[] file, String what) throws HiveFormatException {
        if (file.length < SECTOR || !Le.ascii(file, 0, "regf")) {
            return null;
        }
        return new BaseBlock(Le.u32(file, OFF_SEQ1, what), Le.u32(file, OFF_SEQ2, what), Le.u64(file, OFF_TIME, what),
                Le.u32(file, 20, what), Le.u32(file, 24, what), Le.u32(file, OFF_TYPE, what), Le.u32(file, 36, what),
                Le.u32(file, OFF_BINS_SIZE, what), checksum(file) == Le.s32(file, OFF_CHECKSUM, what));
    }

    /** The XOR of the first 127 dwords, with Windows' two substitutions (0 becomes 1, -1 becomes -2). */
    static int checksum(byte[] file) throws HiveFormatException {
        int sum = 0;
        for (int i = 0; i < OFF_CHECKSUM; i += 4) {
            sum ^= Le.s32(file, i, "base block");
        }
        if (sum == -1) {
            return -2;
        }
        return sum == 0 ? 1 : sum;
    }

    static void writeChecksum(byte[] file) throws HiveFormatException {
        Le.put32(file, OFF_CHECKSUM, checksum(file), "base block");
    }

    boolean dirty() {
        return !checksumOk || primarySequence != secondarySequence;
    }

    String sequences() {
        return primarySequence + "/" + secondarySequence;
    }
}
