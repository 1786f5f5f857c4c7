package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

import java.util.ArrayList;
import java.util.List;

/**
 * A key's subkey list as Windows keeps it: leaves (lf, lh, li) sorted by the uppercased name, compared code unit by
 * code unit, and at most one index root (ri) of leaves above them. Inserting copies the one leaf that changes into a
 * new cell; the key node and the index root stay where they are.
 */
final class SubkeyLists {
    private static final int MAX_SUBKEYS = 1_000_000;

    private SubkeyLists() {
    }

    /** Windows' order of key names: each UTF-16 code unit uppercased, then compared; a prefix sorts first. */
    static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int d = Character.toUpperCase(a.charAt(i)) - Character.toUpperCase(b.charAt(i));
            if (d != 0) {
                return d;
            }
        }
        return a.length() - b.length();
    }

    /** The hash of an lh entry: 37 * h + each uppercased code unit, in 32 bits. */
    static long hash(String name) {
        int h = 0;
        for (int i = 0; i < name.length(); i++) {
            h = 37 * h + Character.toUpperCase(name.charAt(i));
        }
        return h & 0xFFFFFFFFL;
    }

    /** The hint of an lf entry: the name's first four characters, one byte each, zero-padded. */
    static long hint(String name) {
        long h = 0;
        for (int i = 0; i < 4 && i < name.length(); i++) {
            h |= (long) (name.charAt(i) & 0xFF) << (8 * i);
        }
        return h;
    }

    static List<Long> offsets(HiveImage image, long nk) throws HiveFormatException {
        List<Long> out = new ArrayList<>();
        long count = image.u32(nk, 0x14);
        long list = image.u32(nk, 0x1C);
        if (count == 0 || list == HiveImage.NONE) {
            return out;
        }
        if (image.signature(list, "ri")) {
            int leaves = image.u16(list, 2);
            for (int i = 0; i < leaves; i++) {
                leaf(image, image.u32(list, 4 + 4L * i), out);
            }
        } else {
            leaf(image, list, out);
        }
        return out;
    }

    private static void leaf(HiveImage image, long list, List<Long> out) throws HiveFormatException {
        int stride = stride(image, list);
        int n = image.u16(list, 2);
        if (out.size() + n > MAX_SUBKEYS) {
            throw new HiveFormatException(image.name + ": subkey lists add up to more than " + MAX_SUBKEYS + " keys");
        }
        for (int i = 0; i < n; i++) {
            out.add(image.u32(list, 4 + (long) stride * i));
        }
    }

    private static int stride(HiveImage image, long list) throws HiveFormatException {
        if (image.signature(list, "lf") || image.signature(list, "lh")) {
            return 8;
        }
        if (image.signature(list, "li")) {
            return 4;
        }
        throw new HiveFormatException(image.name + ": cell " + list + " is not a subkey list leaf (lf, lh, li)");
    }

    static void insert(HiveImage image, CellAllocator cells, long parent, long nk, String name) throws HiveFormatException {
        long count = image.u32(parent, 0x14);
        long list = image.u32(parent, 0x1C);
        if (count >= MAX_SUBKEYS) {
            throw new HiveLogException(image.name + ": the key already has " + count + " subkeys");
        }
        if (count != offsets(image, parent).size() || count > 0 && list == HiveImage.NONE) {
            throw new HiveLogException(image.name + ": the key's subkey count " + count + " disagrees with its subkey list");
        }
        if (count == 0) {
            long leaf = cells.allocate(12);
            image.write(leaf, 0, (image.minorVersion >= 5 ? "lh" : "lf").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            image.put16(leaf, 2, 1);
            image.put32(leaf, 4, nk);
            image.put32(leaf, 8, image.minorVersion >= 5 ? hash(name) : hint(name));
            image.put32(parent, 0x1C, leaf);
        } else if (image.signature(list, "ri")) {
            int leaves = image.u16(list, 2);
            if (leaves == 0) {
                throw new HiveFormatException(image.name + ": an empty index root (ri) at " + list);
            }
            int chosen = leaves - 1;
            for (int i = 0; i < leaves; i++) {
                long leaf = image.u32(list, 4 + 4L * i);
                int n = image.u16(leaf, 2);
                if (n > 0 && compare(name, HiveEditor.keyName(image, image.u32(leaf, 4 + (long) stride(image, leaf) * (n - 1)))) < 0) {
                    chosen = i;
                    break;
                }
            }
            long old = image.u32(list, 4 + 4L * chosen);
            image.put32(list, 4 + 4L * chosen, insertInto(image, cells, old, nk, name));
            cells.free(old);
        } else {
            long grown = insertInto(image, cells, list, nk, name);
            image.put32(parent, 0x1C, grown);
            cells.free(list);
        }
        image.put32(parent, 0x14, count + 1);
    }

    /** Takes {@code nk} out of the parent's list: the leaf that held it is copied without it (or dropped when it empties). */
    static void remove(HiveImage image, CellAllocator cells, long parent, long nk) throws HiveFormatException {
        long count = image.u32(parent, 0x14);
        long list = image.u32(parent, 0x1C);
        if (count == 0 || list == HiveImage.NONE || count != offsets(image, parent).size()) {
            throw new HiveLogException(image.name + ": the key's subkey count " + count + " disagrees with its subkey list");
        }
        if (image.signature(list, "ri")) {
            int leaves = image.u16(list, 2);
            for (int i = 0; i < leaves; i++) {
                long leaf = image.u32(list, 4 + 4L * i);
                long without = removeFrom(image, cells, leaf, nk);
                if (without == leaf) {
                    continue;
                }
                if (without != HiveImage.NONE) {
                    image.put32(list, 4 + 4L * i, without);
                } else if (leaves == 1) {
                    image.put32(parent, 0x1C, HiveImage.NONE);
                    cells.free(list);
                } else {
                    long root = cells.allocate(4 + 4L * (leaves - 1));
                    image.write(root, 0, image.read(list, 0, 2));
                    image.put16(root, 2, leaves - 1);
                    image.write(root, 4, image.read(list, 4, 4L * i));
                    image.write(root, 4 + 4L * i, image.read(list, 4 + 4L * (i + 1), 4L * (leaves - 1 - i)));
                    image.put32(parent, 0x1C, root);
                    cells.free(list);
                }
                cells.free(leaf);
                image.put32(parent, 0x14, count - 1);
                return;
            }
            throw new HiveLogException(image.name + ": the key to delete is not in its parent's subkey list");
        }
        long without = removeFrom(image, cells, list, nk);
        if (without == list) {
            throw new HiveLogException(image.name + ": the key to delete is not in its parent's subkey list");
        }
        image.put32(parent, 0x1C, without);
        cells.free(list);
        image.put32(parent, 0x14, count - 1);
    }

    /** A copy of the leaf without {@code nk}; NONE when it would be empty; the leaf itself when {@code nk} is not in it. */
    private static long removeFrom(HiveImage image, CellAllocator cells, long leaf, long nk) throws HiveFormatException {
        int stride = stride(image, leaf);
        int n = image.u16(leaf, 2);
        for (int at = 0; at < n; at++) {
            if (image.u32(leaf, 4 + (long) stride * at) != nk) {
                continue;
            }
            if (n == 1) {
                return HiveImage.NONE;
            }
            long shrunk = cells.allocate(4 + (long) stride * (n - 1));
            image.write(shrunk, 0, image.read(leaf, 0, 2));
            image.put16(shrunk, 2, n - 1);
            image.write(shrunk, 4, image.read(leaf, 4, (long) stride * at));
            image.write(shrunk, 4 + (long) stride * at, image.read(leaf, 4 + (long) stride * (at + 1), (long) stride * (n - 1 - at)));
            return shrunk;
        }
        return leaf;
    }

    /** A copy of a leaf with the new key at its sorted place, in a new cell. */
    private static long insertInto(HiveImage image, CellAllocator cells, long leaf, long nk, String name) throws HiveFormatException {
        int stride = stride(image, leaf);
        int n = image.u16(leaf, 2);
        if (n >= 0xFFFF) {
            throw new HiveLogException(image.name + ": a subkey list leaf is full");
        }
        int at = n;
        for (int i = 0; i < n; i++) {
            if (compare(name, HiveEditor.keyName(image, image.u32(leaf, 4 + (long) stride * i))) < 0) {
                at = i;
                break;
            }
        }
        long grown = cells.allocate(4 + (long) stride * (n + 1));
        image.write(grown, 0, image.read(leaf, 0, 2));
        image.put16(grown, 2, n + 1);
        image.write(grown, 4, image.read(leaf, 4, (long) stride * at));
        image.put32(grown, 4 + (long) stride * at, nk);
        if (stride == 8) {
            image.put32(grown, 8 + (long) stride * at, image.signature(leaf, "lh") ? hash(name) : hint(name));
        }
        image.write(grown, 4 + (long) stride * (at + 1), image.read(leaf, 4 + (long) stride * at, (long) stride * (n - at)));
        return grown;
    }
}
