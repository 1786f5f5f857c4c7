package io.bootmedic.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A registry value; its data is read only when asked for. */
public final class HiveValue {
    public static final int REG_SZ = 1;
    public static final int REG_EXPAND_SZ = 2;
    public static final int REG_BINARY = 3;
    public static final int REG_DWORD = 4;
    public static final int REG_MULTI_SZ = 7;
    public static final int REG_QWORD = 11;

    /** Reads the data on demand. */
    @FunctionalInterface
    interface DataReader {
        byte[] read() throws IOException;
    }

    private final String name;
    private final int type;
    private final DataReader reader;

    HiveValue(String name, int type, DataReader reader) {
        this.name = name;
        this.type = type;
        this.reader = reader;
    }

    public String name() {
        return name;
    }

    public int type() {
        return type;
    }

    public byte[] data() throws IOException {
        return Hive.checked(reader::read);
    }

    /** REG_SZ / REG_EXPAND_SZ text up to the first NUL; numbers are given as decimal text. */
    public String asString() throws IOException {
        return switch (type) {
            case REG_DWORD, REG_QWORD -> Long.toString(asLong());
            case REG_MULTI_SZ -> String.join("\n", asStrings());
            default -> {
                String s = new String(evenLength(data()), StandardCharsets.UTF_16LE);
                int nul = s.indexOf('\0');
                yield nul >= 0 ? s.substring(0, nul) : s;
            }
        };
    }

    public List<String> asStrings() throws IOException {
        List<String> out = new ArrayList<>();
        for (String s : new String(evenLength(data()), StandardCharsets.UTF_16LE).split("\0")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** REG_DWORD or REG_QWORD as a number. */
    public long asLong() throws IOException {
        byte[] d = data();
        if (type == REG_DWORD && d.length >= 4) {
            return Integer.toUnsignedLong(ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt());
        }
        if (type == REG_QWORD && d.length >= 8) {
            return ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
        throw new HiveFormatException("value '" + name + "' is not a number (type " + type + ", " + d.length + " bytes)");
    }

    private static byte[] evenLength(byte[] d) {
        return d.length % 2 == 0 ? d : java.util.Arrays.copyOf(d, d.length - 1);
    }

    @Override
    public String toString() {
        return name + " (type " + type + ")";
    }
}
