package io.bootmedic.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

/**
 * A bounds-checked little-endian view of a byte array read from an input. Every read checks its
 * offset and width against the view first, so a field past the end is a {@link FormatException}
 * naming the structure, never an {@link ArrayIndexOutOfBoundsException}. Unsigned fields come
 * back widened (u32 as long); a u64 that does not fit a signed long is refused.
 */
public final class LeBytes {
    private final byte[] data;
    private final int start;
    private final int length;
    private final String what;

    private LeBytes(byte[] data, int start, int length, String what) {
        this.data = data;
        this.start = start;
        this.length = length;
        this.what = what;
    }

    /** A view of all of {@code data}; {@code what} names it in errors ("GPT header at LBA 1"). */
    public static LeBytes of(byte[] data, String what) {
        return new LeBytes(data, 0, data.length, what);
    }

    public int length() {
        return length;
    }

    public String what() {
        return what;
    }

    private int at(long offset, long width) throws FormatException {
        if (offset < 0 || width < 0 || offset > length || width > length - offset) {
            throw new FormatException(what + ": a " + width + "-byte field at offset " + offset + " lies past its end (" + length + " bytes)");
        }
        return start + (int) offset;
    }

    public int u8(long offset) throws FormatException {
        return data[at(offset, 1)] & 0xFF;
    }

    public int u16(long offset) throws FormatException {
        int i = at(offset, 2);
        return (data[i] & 0xFF) | (data[i + 1] & 0xFF) << 8;
    }

    public long u32(long offset) throws FormatException {
        return Integer.toUnsignedLong(s32(offset));
    }

    public int s32(long offset) throws FormatException {
        int i = at(offset, 4);
        return (data[i] & 0xFF) | (data[i + 1] & 0xFF) << 8 | (data[i + 2] & 0xFF) << 16 | (data[i + 3] & 0xFF) << 24;
    }

    /** A u32 that is used as a Java int (a count, a size): refused when it does not fit. */
    public int u32AsInt(long offset, String field) throws FormatException {
        return Exact.toInt(u32(offset), what + ": " + field);
    }

    /** The raw 64 bits (for CRCs, GUID halves, bit fields). */
    public long s64(long offset) throws FormatException {
        int i = at(offset, 8);
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = v << 8 | (data[i + k] & 0xFF);
        }
        return v;
    }

    /** A u64 that means a number (an offset, a size, a count): refused when it is 2^63 or more. */
    public long u64(long offset, String field) throws FormatException {
        return Exact.requireNonNegative(s64(offset), what + ": " + field);
    }

    public long u32be(long offset) throws FormatException {
        int i = at(offset, 4);
        return Integer.toUnsignedLong((data[i] & 0xFF) << 24 | (data[i + 1] & 0xFF) << 16 | (data[i + 2] & 0xFF) << 8 | (data[i + 3] & 0xFF));
    }

    public long s64be(long offset) throws FormatException {
        int i = at(offset, 8);
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = v << 8 | (data[i + k] & 0xFF);
        }
        return v;
    }

    public long u64be(long offset, String field) throws FormatException {
        return Exact.requireNonNegative(s64be(offset), what + ": " + field);
    }

    /** A sub-view; {@code name} is appended to this view's name for errors. */
    public LeBytes slice(long offset, long sliceLength, String name) throws FormatException {
        int i = at(offset, sliceLength);
        return new LeBytes(data, i, (int) sliceLength, what + ", " + name);
    }

    /** A copy of {@code count} bytes. */
    public byte[] bytes(long offset, long count) throws FormatException {
        int i = at(offset, count);
        return Arrays.copyOfRange(data, i, i + (int) count);
    }

    public boolean startsWith(long offset, byte[] expected) {
        if (offset < 0 || offset > length || expected.length > length - offset) {
            return false;
        }
        return Arrays.equals(data, start + (int) offset, start + (int) offset + expected.length, expected, 0, expected.length);
    }

    public String ascii(long offset, long count) throws FormatException {
        int i = at(offset, count);
        return new String(data, i, (int) count, StandardCharsets.US_ASCII);
    }

    /** UTF-16LE text of {@code count} bytes, cut at the first NUL character. */
    public String utf16z(long offset, long count) throws FormatException {
        if ((count & 1) != 0) {
            throw new FormatException(what + ": a UTF-16 string of odd length (" + count + " bytes) at offset " + offset);
        }
        int i = at(offset, count);
        String s = new String(data, i, (int) count, StandardCharsets.UTF_16LE);
        int nul = s.indexOf('\0');
        return nul >= 0 ? s.substring(0, nul) : s;
    }

    /** A GUID in Microsoft's mixed-endian layout (first three fields little-endian). */
    public UUID guid(long offset) throws FormatException {
        int i = at(offset, 16);
        long hi = (u32(offset) << 32) | ((long) u16(offset + 4) << 16) | u16(offset + 6);
        long lo = 0;
        for (int k = 8; k < 16; k++) {
            lo = lo << 8 | (data[i + k] & 0xFF);
        }
        return new UUID(hi, lo);
    }

    /** The same GUID as upper-case text, the way Windows tools print it. */
    public String guidText(long offset) throws FormatException {
        return guid(offset).toString().toUpperCase(Locale.ROOT);
    }

    public boolean isZero(long offset, long count) throws FormatException {
        int i = at(offset, count);
        for (int k = 0; k < count; k++) {
            if (data[i + k] != 0) {
                return false;
            }
        }
        return true;
    }
}
