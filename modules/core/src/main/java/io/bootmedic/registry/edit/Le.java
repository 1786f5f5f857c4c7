package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

/**
 * Bounds-checked little-endian reads and writes on a byte array that holds a hive or a log. Every access checks its
 * offset and width first, in long arithmetic, so a length field read from the input can never index outside.
 */
final class Le {
    private Le() {
    }

    static int at(byte[] b, long offset, long width, String what) throws HiveFormatException {
        if (offset < 0 || width < 0 || offset > b.length || width > b.length - offset) {
            throw new HiveFormatException(what + ": " + width + " bytes at offset " + offset + " lie outside its " + b.length + " bytes");
        }
        return (int) offset;
    }

    static long u32(byte[] b, long offset, String what) throws HiveFormatException {
        int i = at(b, offset, 4, what);
        return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24;
    }

    static int s32(byte[] b, long offset, String what) throws HiveFormatException {
        return (int) u32(b, offset, what);
    }

    static int u16(byte[] b, long offset, String what) throws HiveFormatException {
        int i = at(b, offset, 2, what);
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8;
    }

    static long u64(byte[] b, long offset, String what) throws HiveFormatException {
        return u32(b, offset, what) | u32(b, offset + 4, what) << 32;
    }

    static void put32(byte[] b, long offset, long value, String what) throws HiveFormatException {
        int i = at(b, offset, 4, what);
        for (int k = 0; k < 4; k++) {
            b[i + k] = (byte) (value >>> (8 * k));
        }
    }

    static void put16(byte[] b, long offset, int value, String what) throws HiveFormatException {
        int i = at(b, offset, 2, what);
        b[i] = (byte) value;
        b[i + 1] = (byte) (value >>> 8);
    }

    static void put64(byte[] b, long offset, long value, String what) throws HiveFormatException {
        put32(b, offset, value, what);
        put32(b, offset + 4, value >>> 32, what);
    }

    static boolean ascii(byte[] b, long offset, String expected) {
        if (offset < 0 || offset > b.length - (long) expected.length()) {
            return false;
        }
        for (int k = 0; k < expected.length(); k++) {
            if (b[(int) offset + k] != expected.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
