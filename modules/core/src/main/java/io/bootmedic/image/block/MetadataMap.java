package io.bootmedic.image.block;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a container keeps its own structures in its file (headers, tables, bitmaps): disjoint
 * byte ranges, each of a named kind. A container's preflight declares them all and then
 * {@linkplain #seal seals} the map, which sorts them and finds any two that overlap (damage);
 * {@link GuardedFile} then refuses any data write that would touch one, as qemu's metadata
 * overlap check does. Structures allocated later (a new L2 table) are declared one by one.
 *
 * <p>Sealed extents are kept in three arrays (17 bytes each), so an image with a million L2
 * tables costs 17 MB, not a million map entries.
 */
public final class MetadataMap {
    /** One structure: {@code [offset, offset + length)} of kind {@code what}. */
    public record Extent(long offset, long length, String what) {
        public long end() {
            return offset + length;
        }

        @Override
        public String toString() {
            return "the " + what + " at byte " + offset;
        }
    }

    private final String image;
    private final List<String> kinds = new ArrayList<>();
    private long[] starts = new long[64];
    private long[] lengths = new long[64];
    private byte[] kindOf = new byte[64];
    private int count;
    private boolean sealed;
    private final TreeMap<Long, Extent> later = new TreeMap<>();

    public MetadataMap(String image) {
        this.image = image;
    }

    public String image() {
        return image;
    }

    /**
     * Adds a structure. Before sealing, the same range declared again under the same kind is one
     * structure (an L2 table a snapshot shares); after sealing, any overlap is refused at once.
     */
    public void declare(long offset, long length, String what) throws ImageFormatException {
        if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
            throw new ImageFormatException(image + ": the " + what + " (" + length + " bytes at " + offset + ") is not a place in a file;"
                    + " the image is damaged, nothing was written");
        }
        if (sealed) {
            Extent hit = overlap(offset, length);
            if (hit != null) {
                throw damaged(new Extent(offset, length, what), hit);
            }
            later.put(offset, new Extent(offset, length, what));
            return;
        }
        if (count == starts.length) {
            int grown = Math.multiplyExact(count, 2);
            starts = Arrays.copyOf(starts, grown);
            lengths = Arrays.copyOf(lengths, grown);
            kindOf = Arrays.copyOf(kindOf, grown);
        }
        starts[count] = offset;
        lengths[count] = length;
        kindOf[count] = kind(what);
        count++;
    }

    private byte kind(String what) {
        int k = kinds.indexOf(what);
        if (k < 0) {
            if (kinds.size() == 127) {
                throw new IllegalStateException("too many kinds of structure");
            }
            kinds.add(what);
            k = kinds.size() - 1;
        }
        return (byte) k;
    }

    /** Sorts what was declared and refuses the image when two structures overlap. */
    public void seal() throws ImageFormatException {
        int[] idx = byStart(Arrays.copyOf(starts, count));
        long[] ns = new long[count];
        long[] nl = new long[count];
        byte[] nk = new byte[count];
        int n = 0;
        for (int j = 0; j < count; j++) {
            int i = idx[j];
            if (n > 0) {
                long prevEnd = ns[n - 1] + nl[n - 1];
                if (starts[i] == ns[n - 1] && lengths[i] == nl[n - 1] && kindOf[i] == nk[n - 1]) {
                    continue; // the same structure, reached twice
                }
                if (starts[i] < prevEnd) {
                    throw damaged(new Extent(starts[i], lengths[i], kinds.get(kindOf[i])), new Extent(ns[n - 1], nl[n - 1], kinds.get(nk[n - 1])));
                }
            }
            ns[n] = starts[i];
            nl[n] = lengths[i];
            nk[n] = kindOf[i];
            n++;
        }
        starts = Arrays.copyOf(ns, n);
        lengths = Arrays.copyOf(nl, n);
        kindOf = Arrays.copyOf(nk, n);
        count = n;
        sealed = true;
    }

    /**
     * The indices of {@code s} in ascending order of value. A qcow2 image declares millions of
     * structures, so (start, index) pairs are packed into one long and sorted as primitives when
     * they fit (39 bits of offset, 24 of index); only larger maps sort boxed indices.
     */
    private static int[] byStart(long[] s) {
        int n = s.length;
        int[] idx = new int[n];
        boolean packed = n < (1 << 24) && Arrays.stream(s).allMatch(v -> v < (1L << 39));
        if (packed) {
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = (s[i] << 24) | i;
            }
            Arrays.sort(keys);
            for (int i = 0; i < n; i++) {
                idx[i] = (int) (keys[i] & 0xFFFFFF);
            }
            return idx;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Long.compare(s[a], s[b]));
        for (int i = 0; i < n; i++) {
            idx[i] = boxed[i];
        }
        return idx;
    }

    private ImageFormatException damaged(Extent a, Extent b) {
        return new ImageFormatException(image + " is damaged: " + a + " overlaps " + b + "; nothing was written (try 'qemu-img check' on a copy)");
    }

    /** The first declared structure that {@code [offset, offset + length)} touches, or null. Only once sealed. */
    public Extent overlap(long offset, long length) {
        requireSealed();
        if (length <= 0) {
            return null;
        }
        long end = offset + length;
        int i = floor(offset);
        if (i >= 0 && starts[i] + lengths[i] > offset) {
            return extent(i);
        }
        if (i + 1 < count && starts[i + 1] < end) {
            return extent(i + 1);
        }
        Map.Entry<Long, Extent> before = later.floorEntry(offset);
        if (before != null && before.getValue().end() > offset) {
            return before.getValue();
        }
        Map.Entry<Long, Extent> after = later.ceilingEntry(offset);
        return after != null && after.getKey() < end ? after.getValue() : null;
    }

    /** The structure that wholly holds {@code [offset, offset + length)}, or null. Only once sealed. */
    public Extent containing(long offset, long length) {
        requireSealed();
        if (length <= 0) {
            return null;
        }
        int i = floor(offset);
        if (i >= 0 && offset + length <= starts[i] + lengths[i]) {
            return extent(i);
        }
        Map.Entry<Long, Extent> e = later.floorEntry(offset);
        return e != null && offset + length <= e.getValue().end() ? e.getValue() : null;
    }

    /** How many structures are declared (once sealed). */
    public int size() {
        return count + later.size();
    }

    private int floor(long offset) {
        int i = Arrays.binarySearch(starts, 0, count, offset);
        return i >= 0 ? i : -i - 2;
    }

    private Extent extent(int i) {
        return new Extent(starts[i], lengths[i], kinds.get(kindOf[i]));
    }

    private void requireSealed() {
        if (!sealed) {
            throw new IllegalStateException("the metadata map of " + image + " is used before its preflight sealed it");
        }
    }
}
