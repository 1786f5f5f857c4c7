package io.bootmedic.registry.edit;

/**
 * Marvin32, the keyed hash Windows puts in transaction-log entries (Hash-1 and Hash-2 of an {@code HvLE} entry),
 * with the registry's fixed seed. Written from the algorithm's description; checked against real Windows logs.
 */
final class Marvin32 {
    /**
     * The seed of registry log entries. The specification gives it as 14219357686671994754 "little-endian", that is the
     * bytes C5 55 4E 7A 88 4D EF 82 read as a little-endian number: low half 0x7A4E55C5, high half 0x82EF4D88 (the
     * only reading that reproduces the hashes of the real Windows logs in the test data).
     */
    static final long REGISTRY_SEED = 0x82EF4D887A4E55C5L;

    private Marvin32() {
    }

    static long hash(byte[] data, int offset, int length, long seed) {
        if (offset < 0 || length < 0 || offset > data.length || length > data.length - offset) {
            throw new IllegalArgumentException("range outside the buffer"); // callers check their ranges first
        }
        int lo = (int) seed;
        int hi = (int) (seed >>> 32);
        int pos = offset;
        int end = offset + length;
        while (end - pos >= 4) {
            lo += (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
            int[] s = mix(lo, hi);
            lo = s[0];
            hi = s[1];
            pos += 4;
        }
        int fin = 0x80;
        for (int i = end - 1; i >= pos; i--) {
            fin = fin << 8 | (data[i] & 0xFF);
        }
        lo += fin;
        int[] s = mix(lo, hi);
        s = mix(s[0], s[1]);
        return (long) s[1] << 32 | (s[0] & 0xFFFFFFFFL);
    }

    private static int[] mix(int lo, int hi) {
        hi ^= lo;
        lo = Integer.rotateLeft(lo, 20) + hi;
        hi = Integer.rotateLeft(hi, 9) ^ lo;
        lo = Integer.rotateLeft(lo, 27) + hi;
        hi = Integer.rotateLeft(hi, 19);
        return new int[] {lo, hi};
    }
}
