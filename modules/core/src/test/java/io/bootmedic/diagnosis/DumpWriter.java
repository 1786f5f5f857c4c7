package io.bootmedic.diagnosis;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Writes dump files in the real layouts, every field the readers use at its documented offset (dbgeng's
 * DUMP_HEADER64/DUMP_HEADER32 and TRIAGE_DUMP, minidumpapiset.h's MINIDUMP_*), the unset header fields filled with
 * "PAGE" as Windows fills them. The string pool is laid out as in the real x64 triage dump docs/diagnosis.md names
 * (a count of characters, the characters, a NUL, 8-byte aligned).
 */
final class DumpWriter {
    /** A loaded driver or module: its path as the dump stores it, and its image's range. */
    record Module(String path, long base, long size) {
    }

    static final long FILETIME_UNIX_EPOCH = 116_444_736_000_000_000L;

    private DumpWriter() {
    }

    static long filetime(Instant t) {
        return FILETIME_UNIX_EPOCH + t.getEpochSecond() * 10_000_000L + t.getNano() / 100;
    }

    /** A 64-bit kernel dump of {@code dumpType}; for a triage dump (4), its TRIAGE_DUMP and driver list follow. */
    static byte[] kernel64(int dumpType, long code, long[] params, Instant time, List<Module> drivers) {
        int listAt = 0x2100;
        int entry = 0x90;
        int poolAt = listAt + entry * drivers.size();
        int size = dumpType == 4 ? align8(poolAt + poolSize(drivers)) + 4 : 0x3000;
        ByteBuffer b = page(size, 0x2000);
        b.put(0, "PAGEDU64".getBytes(StandardCharsets.US_ASCII));
        b.putInt(0x08, 0xF).putInt(0x0C, 19041);
        b.putInt(0x30, 0x8664).putInt(0x34, 4).putInt(0x38, (int) code).putInt(0x3C, 0x45474150);
        for (int i = 0; i < 4; i++) {
            b.putLong(0x40 + 8 * i, params[i]);
        }
        b.putInt(0xF98, dumpType).putInt(0xF9C, 0);
        b.putLong(0xFA0, size).putLong(0xFA8, filetime(time));
        if (dumpType == 4) {
            triage(b, 0x2000, listAt, drivers, entry, 8, poolAt, size);
        }
        return b.array();
    }

    /** The 32-bit form ("PAGEDUMP", a 4 KiB header, 32-bit parameters and driver entries). */
    static byte[] kernel32(int dumpType, long code, long[] params, Instant time, List<Module> drivers) {
        int listAt = 0x1100;
        int entry = 0x4C;
        int poolAt = align8(listAt + entry * drivers.size());
        int size = dumpType == 4 ? align8(poolAt + poolSize(drivers)) + 4 : 0x2000;
        ByteBuffer b = page(size, 0x1000);
        b.put(0, "PAGEDUMP".getBytes(StandardCharsets.US_ASCII));
        b.putInt(0x08, 0xF).putInt(0x0C, 2600);
        b.putInt(0x20, 0x14C).putInt(0x24, 1).putInt(0x28, (int) code);
        for (int i = 0; i < 4; i++) {
            b.putInt(0x2C + 4 * i, (int) params[i]);
        }
        b.putInt(0xF88, dumpType);
        b.putLong(0xFA0, size).putLong(0xFC0, filetime(time));
        if (dumpType == 4) {
            triage(b, 0x1000, listAt, drivers, entry, 4, poolAt, size);
        }
        return b.array();
    }

    private static void triage(ByteBuffer b, int at, int listAt, List<Module> drivers, int entry, int width, int poolAt, int size) {
        for (int i = at; i < at + 0x80; i++) {
            b.put(i, (byte) 0);
        }
        b.putInt(at + 0x04, size).putInt(at + 0x08, size - 4);
        b.putInt(at + 0x30, listAt).putInt(at + 0x34, drivers.size()).putInt(at + 0x38, poolAt).putInt(at + 0x3C, poolSize(drivers));
        int name = poolAt;
        for (int i = 0; i < drivers.size(); i++) {
            Module m = drivers.get(i);
            int e = listAt + i * entry;
            for (int k = e; k < e + entry; k++) {
                b.put(k, (byte) 0);
            }
            b.putInt(e, name);
            int ldr = e + (width == 8 ? 8 : 4);
            if (width == 8) {
                b.putLong(ldr + 0x30, m.base()).putInt(ldr + 0x40, (int) m.size());
            } else {
                b.putInt(ldr + 0x18, (int) m.base()).putInt(ldr + 0x20, (int) m.size());
            }
            name = putString(b, name, m.path());
        }
        b.putInt(size - 4, 0x54524744); // "DGRT" at ValidOffset, as Windows ends a complete triage dump
    }

    private static int poolSize(List<Module> drivers) {
        return drivers.stream().mapToInt(m -> align8(4 + 2 * m.path().length() + 2)).sum();
    }

    private static int putString(ByteBuffer b, int at, String s) {
        b.putInt(at, s.length());
        byte[] chars = s.getBytes(StandardCharsets.UTF_16LE);
        b.put(at + 4, chars);
        b.putShort(at + 4 + chars.length, (short) 0);
        return at + align8(4 + chars.length + 2);
    }

    /** A user-mode minidump: header, a directory of three streams, system info, exception and module list. */
    static byte[] minidump(long code, long address, long[] params, Instant time, List<Module> modules) {
        int dirAt = 32;
        int sysInfoAt = dirAt + 3 * 12;
        int exceptionAt = sysInfoAt + 56;
        int modulesAt = exceptionAt + 168;
        int namesAt = modulesAt + 4 + 108 * modules.size();
        int size = namesAt + modules.stream().mapToInt(m -> 4 + 2 * m.path().length() + 2).sum();
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, "MDMP".getBytes(StandardCharsets.US_ASCII));
        b.putInt(4, 0xA0F1A793).putInt(8, 3).putInt(12, dirAt).putInt(16, 0).putInt(20, (int) time.getEpochSecond()).putLong(24, 0x40000);
        b.putInt(dirAt, 7).putInt(dirAt + 4, 56).putInt(dirAt + 8, sysInfoAt);
        b.putInt(dirAt + 12, 6).putInt(dirAt + 16, 168).putInt(dirAt + 20, exceptionAt);
        b.putInt(dirAt + 24, 4).putInt(dirAt + 28, 4 + 108 * modules.size()).putInt(dirAt + 32, modulesAt);
        b.putShort(sysInfoAt, (short) 9); // PROCESSOR_ARCHITECTURE_AMD64
        b.putInt(exceptionAt, 0x65C);
        b.putInt(exceptionAt + 8, (int) code).putLong(exceptionAt + 24, address).putInt(exceptionAt + 32, params.length);
        for (int i = 0; i < params.length; i++) {
            b.putLong(exceptionAt + 40 + 8 * i, params[i]);
        }
        b.putInt(modulesAt, modules.size());
        int name = namesAt;
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            int e = modulesAt + 4 + 108 * i;
            b.putLong(e, m.base()).putInt(e + 8, (int) m.size()).putInt(e + 20, name);
            byte[] chars = m.path().getBytes(StandardCharsets.UTF_16LE);
            b.putInt(name, chars.length);
            b.put(name + 4, chars);
            name += 4 + chars.length + 2;
        }
        return b.array();
    }

    /** A header of {@code header} bytes filled with "PAGE", as Windows leaves the fields it does not set. */
    private static ByteBuffer page(int size, int header) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        byte[] fill = "PAGE".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + 4 <= Math.min(size, header); i += 4) {
            b.put(i, fill);
        }
        return b;
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
