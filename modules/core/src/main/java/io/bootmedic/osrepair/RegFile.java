package io.bootmedic.osrepair;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A {@code .reg} file (Registry Editor 5.00, UTF-16LE with its byte order mark) that puts values back as they were:
 * what {@code reg import} reads to undo a change bootmedic made in the running Windows' registry. An old value that
 * did not exist is written as {@code "name"=-} (delete it).
 */
final class RegFile {
    private final StringBuilder text = new StringBuilder("Windows Registry Editor Version 5.00\r\n");

    /** One value of {@code HKEY_LOCAL_MACHINE\<hive>\<key>}; {@code old} null: it did not exist. */
    RegFile value(String hive, String key, String name, RegistryApi.Value old) {
        if ((key + name).chars().anyMatch(c -> c == '\r' || c == '\n' || c == ']' || c == 0)) {
            throw new IllegalArgumentException("the key or value name holds a character a .reg file cannot carry: " + key + "\\" + name);
        }
        text.append("\r\n[HKEY_LOCAL_MACHINE\\").append(hive).append('\\').append(key).append("]\r\n");
        text.append(name.isEmpty() ? "@" : quoted(name)).append('=').append(old == null ? "-" : data(old)).append("\r\n");
        return this;
    }

    static String data(RegistryApi.Value v) {
        byte[] d = v.data();
        if (v.type() == RegistryData.REG_DWORD && d.length == 4) {
            return String.format(Locale.ROOT, "dword:%08x", ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt());
        }
        if (v.type() == RegistryData.REG_SZ && d.length % 2 == 0 && d.length >= 2 && d[d.length - 1] == 0 && d[d.length - 2] == 0) {
            String s = new String(d, 0, d.length - 2, StandardCharsets.UTF_16LE);
            if (s.indexOf('\0') < 0 && s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
                return quoted(s);
            }
        }
        // every other type, and strings regedit could not round-trip as text: hex(type):bytes
        String hex = HexFormat.ofDelimiter(",").formatHex(d);
        return (v.type() == 3 ? "hex:" : "hex(" + Integer.toHexString(v.type()) + "):") + hex;
    }

    static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    byte[] bytes() {
        byte[] body = (text + "\r\n").getBytes(StandardCharsets.UTF_16LE);
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xFE;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }
}
