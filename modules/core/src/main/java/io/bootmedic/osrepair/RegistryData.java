package io.bootmedic.osrepair;

import io.bootmedic.playbook.RepairRule;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Registry value bytes: what a rule writes, and how an old value is shown in the report. */
final class RegistryData {
    static final int REG_SZ = 1;
    static final int REG_EXPAND_SZ = 2;
    static final int REG_DWORD = 4;
    static final int REG_MULTI_SZ = 7;
    static final int REG_QWORD = 11;
    /** A REG_MULTI_SZ longer than this is not a filter list: shown, never parsed into a list. */
    static final int MAX_MULTI_SZ = 1 << 20;

    private RegistryData() {
    }

    static byte[] encode(RepairRule.ValueType type, Object data) {
        return switch (type) {
            case REG_DWORD -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (long) (Long) data).array();
            case REG_QWORD -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((Long) data).array();
            case REG_SZ, REG_EXPAND_SZ -> ((String) data + "\0").getBytes(StandardCharsets.UTF_16LE);
            case REG_MULTI_SZ -> {
                @SuppressWarnings("unchecked")
                List<String> l = (List<String>) data;
                yield multiSz(l);
            }
        };
    }

    static byte[] dword(long v) {
        return encode(RepairRule.ValueType.REG_DWORD, v);
    }

    static byte[] multiSz(List<String> strings) {
        StringBuilder sb = new StringBuilder();
        strings.forEach(s -> sb.append(s).append('\0'));
        sb.append('\0');
        return sb.toString().getBytes(StandardCharsets.UTF_16LE);
    }

    /** The strings of a REG_MULTI_SZ as Windows reads them: up to the first empty string; an odd last byte ignored. */
    static List<String> strings(byte[] data) {
        if (data.length > MAX_MULTI_SZ) {
            throw new IllegalArgumentException("a REG_MULTI_SZ of " + data.length + " bytes");
        }
        String all = new String(data, 0, data.length & ~1, StandardCharsets.UTF_16LE);
        List<String> out = new ArrayList<>();
        for (String s : all.split("\0", -1)) {
            if (s.isEmpty()) {
                break;
            }
            out.add(s);
        }
        return out;
    }

    static boolean same(RegistryApi.Value v, int type, byte[] data) {
        return v.type() == type && Arrays.equals(v.data(), data);
    }

    static String show(int type, byte[] data) {
        if ((type == REG_DWORD && data.length == 4) || (type == REG_QWORD && data.length == 8)) {
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            return Long.toString(data.length == 4 ? Integer.toUnsignedLong(b.getInt()) : b.getLong());
        }
        if ((type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ) && data.length <= MAX_MULTI_SZ) {
            String s = new String(data, 0, data.length & ~1, StandardCharsets.UTF_16LE);
            return "\"" + s.replaceAll("\0+$", "").replace('\0', ',') + "\"";
        }
        return "type " + type + ", " + data.length + " bytes " + HexFormat.of().formatHex(data, 0, Math.min(16, data.length));
    }
}
