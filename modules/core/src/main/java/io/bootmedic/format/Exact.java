package io.bootmedic.format;

/**
 * Exact arithmetic for numbers that come from an input (commons-compress's
 * {@code ArchiveException.requireNonNegative}/{@code toIntExact} are the model). Every offset,
 * length and count read from a disk or file goes through one of these before it is used, so an
 * overflow becomes a {@link FormatException} naming the field instead of a wrapped offset that
 * passes a bounds check.
 */
public final class Exact {
    private Exact() {
    }

    /** {@code value} as an int, or a FormatException naming {@code what}. */
    public static int toInt(long value, String what) throws FormatException {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new FormatException(what + " (" + Long.toUnsignedString(value) + ") is too large");
        }
        return (int) value;
    }

    /** {@code value} unchanged when it is zero or more. */
    public static long requireNonNegative(long value, String what) throws FormatException {
        if (value < 0) {
            throw new FormatException(what + " (" + Long.toUnsignedString(value) + ") is too large or negative");
        }
        return value;
    }

    public static long multiply(long a, long b, String what) throws FormatException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new FormatException(what + " (" + a + " x " + b + ") is too large");
        }
    }

    public static long add(long a, long b, String what) throws FormatException {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new FormatException(what + " (" + a + " + " + b + ") is too large");
        }
    }

    /**
     * Checks that {@code length} bytes at {@code offset} lie inside {@code [0, limit)} without
     * overflowing, and returns the end offset.
     */
    public static long requireRange(long offset, long length, long limit, String what) throws FormatException {
        if (offset < 0 || length < 0 || offset > limit || length > limit - offset) {
            throw new FormatException(what + " (" + Long.toUnsignedString(length) + " bytes at " + Long.toUnsignedString(offset)
                    + ") lies outside the " + limit + " bytes available");
        }
        return offset + length;
    }

    /**
     * The allocation guard: an input may ask for at most {@code cap} units of something
     * (bytes, entries, rows). Call this before allocating, never after.
     */
    public static int requireAtMost(long requested, long cap, String what) throws FormatException {
        if (requested < 0 || requested > cap) {
            throw new FormatException(what + " (" + Long.toUnsignedString(requested) + ") is more than the " + cap + " this tool accepts");
        }
        return toInt(requested, what);
    }
}
