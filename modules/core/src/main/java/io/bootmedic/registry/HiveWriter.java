package io.bootmedic.registry;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes small, valid registry hives (regf 1.5, one hive bin): enough for practice drives and
 * test fixtures that need a SYSTEM or SOFTWARE hive. Not a general editor.
 */
public final class HiveWriter {
    private final Node root;

    public HiveWriter(String rootName) {
        this.root = new Node(rootName);
    }

    /** A key by backslash path below the root, created with its parents when missing. */
    public Node key(String path) {
        Node n = root;
        for (String part : path.split("\\\\")) {
            if (!part.isEmpty()) {
                n = n.child(part);
            }
        }
        return n;
    }

    /** One key and its values. */
    public static final class Node {
        private final String name;
        private final Map<String, Node> children = new LinkedHashMap<>();
        private final List<Object[]> values = new ArrayList<>();

        Node(String name) {
            this.name = name;
        }

        Node child(String childName) {
            return children.computeIfAbsent(childName.toUpperCase(Locale.ROOT), k -> new Node(childName));
        }

        public Node string(String valueName, String text) {
            values.add(new Object[]{valueName, HiveValue.REG_SZ, (text + "\0").getBytes(StandardCharsets.UTF_16LE)});
            return this;
        }

        public Node dword(String valueName, int number) {
            values.add(new Object[]{valueName, HiveValue.REG_DWORD, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(number).array()});
            return this;
        }
    }

    public byte[] toBytes() {
        Cells cells = new Cells();
        int rootOffset = layout(root, cells, 0xFFFFFFFF);
        byte[] bins = cells.bin();
        ByteBuffer base = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        base.put(0, "regf".getBytes(StandardCharsets.US_ASCII));
        base.putInt(0x04, 1).putInt(0x08, 1); // equal sequence numbers: cleanly written
        base.putInt(0x14, 1).putInt(0x18, 5).putInt(0x1C, 0).putInt(0x20, 1);
        base.putInt(0x24, rootOffset).putInt(0x28, bins.length).putInt(0x2C, 1);
        int checksum = 0;
        for (int i = 0; i < 508; i += 4) {
            checksum ^= base.getInt(i);
        }
        base.putInt(508, checksum == 0 ? 1 : checksum == -1 ? -2 : checksum);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(base.array());
        out.writeBytes(bins);
        return out.toByteArray();
    }

    private static int layout(Node node, Cells cells, int parent) {
        byte[] name = nameBytes(node.name);
        boolean compressed = isLatin1(node.name);
        int nk = cells.alloc(0x4C + name.length);
        List<Node> kids = new ArrayList<>(node.children.values());
        kids.sort(Comparator.comparing(k -> k.name.toUpperCase(Locale.ROOT)));
        int[] kidOffsets = new int[kids.size()];
        for (int i = 0; i < kids.size(); i++) {
            kidOffsets[i] = layout(kids.get(i), cells, nk);
        }
        int list = 0xFFFFFFFF;
        if (!kids.isEmpty()) {
            list = cells.alloc(4 + 8 * kids.size());
            ByteBuffer lh = cells.at(list);
            lh.put((byte) 'l').put((byte) 'h').putShort((short) kids.size());
            for (int i = 0; i < kids.size(); i++) {
                lh.putInt(kidOffsets[i]).putInt(hash(kids.get(i).name));
            }
        }
        int valueList = 0xFFFFFFFF;
        if (!node.values.isEmpty()) {
            int[] vks = new int[node.values.size()];
            for (int i = 0; i < vks.length; i++) {
                vks[i] = writeValue(node.values.get(i), cells);
            }
            valueList = cells.alloc(4 * vks.length);
            ByteBuffer vl = cells.at(valueList);
            for (int vk : vks) {
                vl.putInt(vk);
            }
        }
        ByteBuffer k = cells.at(nk);
        k.put((byte) 'n').put((byte) 'k').putShort((short) ((compressed ? 0x20 : 0) | (parent == 0xFFFFFFFF ? 0x2C : 0)));
        k.putLong(0).putInt(0).putInt(parent).putInt(kids.size()).putInt(0).putInt(list).putInt(0xFFFFFFFF);
        k.putInt(node.values.size()).putInt(valueList).putInt(0xFFFFFFFF).putInt(0xFFFFFFFF);
        k.putInt(0).putInt(0).putInt(0).putInt(0).putInt(0);
        k.putShort((short) name.length).putShort((short) 0).put(name);
        return nk;
    }

    private static int writeValue(Object[] v, Cells cells) {
        String name = (String) v[0];
        int type = (Integer) v[1];
        byte[] data = (byte[]) v[2];
        byte[] nameBytes = nameBytes(name);
        int vk = cells.alloc(0x14 + nameBytes.length);
        int sizeField;
        int offsetField;
        if (data.length <= 4) {
            sizeField = data.length | 0x80000000;
            offsetField = ByteBuffer.wrap(java.util.Arrays.copyOf(data, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            if (data.length > 16344) {
                throw new IllegalArgumentException("value '" + name + "' is too large for this writer");
            }
            offsetField = cells.alloc(data.length);
            cells.at(offsetField).put(data);
            sizeField = data.length;
        }
        ByteBuffer b = cells.at(vk);
        b.put((byte) 'v').put((byte) 'k').putShort((short) nameBytes.length).putInt(sizeField).putInt(offsetField).putInt(type);
        b.putShort((short) (isLatin1(name) ? 1 : 0)).putShort((short) 0).put(nameBytes);
        return vk;
    }

    /** The lh list hash: name upper-cased, hash = hash * 37 + character. */
    private static int hash(String name) {
        int h = 0;
        for (char c : name.toUpperCase(Locale.ROOT).toCharArray()) {
            h = h * 37 + c;
        }
        return h;
    }

    private static boolean isLatin1(String s) {
        return s.chars().allMatch(c -> c <= 0xFF);
    }

    private static byte[] nameBytes(String s) {
        return isLatin1(s) ? s.getBytes(StandardCharsets.ISO_8859_1) : s.getBytes(StandardCharsets.UTF_16LE);
    }

    /** Cells of one hive bin, allocated in order; offsets are relative to the first bin, as in the file. */
    private static final class Cells {
        private ByteBuffer bin = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private int end = 0x20;

        int alloc(int dataLength) {
            int size = (dataLength + 4 + 7) & ~7;
            while (end + size + 8 > bin.capacity()) {
                bin = ByteBuffer.allocate(bin.capacity() * 2).order(ByteOrder.LITTLE_ENDIAN).put(bin.array());
            }
            bin.putInt(end, -size); // negative size: allocated
            int offset = end;
            end += size;
            return offset;
        }

        ByteBuffer at(int offset) {
            ByteBuffer b = bin.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.position(offset + 4);
            return b;
        }

        byte[] bin() {
            int size = (end + 4095) & ~4095;
            if (size - end < 8 && size != end) {
                size += 4096;
            }
            byte[] out = new byte[size];
            System.arraycopy(bin.array(), 0, out, 0, end);
            ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0, "hbin".getBytes(StandardCharsets.US_ASCII));
            b.putInt(4, 0).putInt(8, size);
            if (size > end) {
                b.putInt(end, size - end); // the rest is one free cell
            }
            return out;
        }
    }
}
