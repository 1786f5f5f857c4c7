package io.bootmedic.image.vhdx;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.ImageFormatException;

import java.util.zip.CRC32C;

/**
 * One of the two 4 KiB VHDX headers ([MS-VHDX] 2.2.2 "Header"), at 64 KiB and 128 KiB. Valid when
 * the signature is "head", the CRC-32C over the 4 KiB (checksum field zeroed) matches and Version
 * is 1; the one with the larger SequenceNumber is current (2.2.2.1).
 *
 * @param raw      the 4 KiB as read (the next header is written from it)
 * @param slot     byte offset of this copy
 * @param logDirty a non-zero LogGuid: the log holds entries that were never applied
 */
record VhdxHeader(byte[] raw, long slot, long sequence, boolean logDirty) {
    static final int SIZE = 4096;
    static final long SLOT_1 = 64 * 1024;
    static final long SLOT_2 = 128 * 1024;

    /** Parses the copy at {@code slot}; a FormatException says which check failed. */
    static VhdxHeader parse(byte[] raw, long slot, String what) throws FormatException {
        LeBytes h = LeBytes.of(raw, what);
        if (!"head".equals(h.ascii(0, 4))) {
            throw new ImageFormatException(what + " has no 'head' signature");
        }
        if (crc32c(raw, 4) != h.s32(4)) {
            throw new ImageFormatException(what + ": CRC-32C mismatch");
        }
        if (h.u16(66) != 1) {
            throw new ImageFormatException(what + ": version " + h.u16(66) + " is not 1");
        }
        return new VhdxHeader(raw, slot, h.s64(8), !h.isZero(48, 16));
    }

    long otherSlot() {
        return slot == SLOT_1 ? SLOT_2 : SLOT_1;
    }

    /** CRC-32C of {@code data} with its 4-byte checksum field at {@code at} taken as zero ([MS-VHDX] 2.2.2). */
    static int crc32c(byte[] data, int at) {
        CRC32C c = new CRC32C();
        c.update(data, 0, at);
        c.update(new byte[4]);
        c.update(data, at + 4, data.length - at - 4);
        return (int) c.getValue();
    }
}
