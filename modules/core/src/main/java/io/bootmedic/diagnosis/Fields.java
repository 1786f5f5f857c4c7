package io.bootmedic.diagnosis;

import io.bootmedic.format.Printable;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Field decoders shared by the dump readers: times that may be unset or absurd, names that may hold anything. */
final class Fields {
    /** Times outside these years are unset fields ("PAGE" fill) or damage, not when a dump was written. */
    private static final Instant EARLIEST = Instant.parse("1990-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");
    /** 100 ns intervals from 1601-01-01 to 1970-01-01. */
    private static final long FILETIME_UNIX_EPOCH = 116_444_736_000_000_000L;

    private Fields() {
    }

    /** A Windows FILETIME (UTC), or null when it is not a plausible time. */
    static Instant filetime(long value) {
        if (value < FILETIME_UNIX_EPOCH) {
            return null; // also the negative ones: above 2^63 is no time Windows writes
        }
        long since = value - FILETIME_UNIX_EPOCH;
        return plausible(Instant.ofEpochSecond(since / 10_000_000L, (since % 10_000_000L) * 100));
    }

    /** A time_t (seconds since 1970, UTC), or null when it is not plausible. */
    static Instant unixSeconds(long value) {
        return plausible(Instant.ofEpochSecond(value));
    }

    private static Instant plausible(Instant t) {
        return t.isBefore(EARLIEST) || t.isAfter(LATEST) ? null : t;
    }

    /** UTF-16LE text without its terminating NULs, made printable (a name from a dump may hold control characters). */
    static String utf16(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_16LE);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == 0) {
            end--;
        }
        return Printable.of(s.substring(0, end), 260);
    }
}
