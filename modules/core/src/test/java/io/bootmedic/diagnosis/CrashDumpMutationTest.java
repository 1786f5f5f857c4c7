package io.bootmedic.diagnosis;

import io.bootmedic.testutil.Hostile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every byte of each layout's sample, set to values that break lengths, counts and offsets, and every prefix of it:
 * the reader returns or refuses with its own one-line {@link io.bootmedic.format.FormatException}, never anything
 * else. The samples name a code address inside a driver, so the driver list and its strings are read too.
 */
class CrashDumpMutationTest {
    static final byte[] VALUES = {0x00, (byte) 0xFF, (byte) 0x80, 0x7F, 0x01};

    static byte[] sample(String layout) {
        List<DumpWriter.Module> drivers = CrashDumpReaderTest.DRIVERS;
        return switch (layout) {
            case "triage64" -> DumpWriter.kernel64(4, 0x50, CrashDumpReaderTest.PAGE_FAULT, CrashDumpReaderTest.WHEN, drivers);
            case "triage32" -> DumpWriter.kernel32(4, 0xD1, new long[]{0x4, 0x2, 0x0, 0x8f4012abL}, CrashDumpReaderTest.WHEN,
                    List.of(new DumpWriter.Module("\\SystemRoot\\system32\\ntkrnlpa.exe", 0x82a00000L, 0x412000),
                            new DumpWriter.Module("\\SystemRoot\\system32\\DRIVERS\\badnet.sys", 0x8f400000L, 0x20000)));
            case "minidump" -> DumpWriter.minidump(0xC0000005L, 0x7ffb10012345L, new long[]{0, 0x10}, CrashDumpReaderTest.WHEN,
                    List.of(new DumpWriter.Module("C:\\Windows\\System32\\ntdll.dll", 0x7ffb10000000L, 0x1f8000)));
            default -> throw new IllegalArgumentException(layout);
        };
    }

    static void readOrRefuse(byte[] dump) {
        Hostile.parseOrRefuse(() -> CrashDumpReader.read(DumpBytes.of(dump, "mutated.dmp")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"triage64", "triage32", "minidump"})
    void everyByteSetToEveryTroubleValue(String layout) throws IOException {
        byte[] original = sample(layout);
        DumpSummary before = CrashDumpReader.read(DumpBytes.of(original, "sample.dmp"));
        assertTrue(before.faultingModule() != null, "the sample reaches the module list: " + before);
        for (int i = 0; i < original.length; i++) {
            for (byte v : VALUES) {
                byte[] d = original.clone();
                d[i] = d[i] == v ? (byte) (v ^ 0x01) : v;
                readOrRefuse(d);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"triage64", "triage32", "minidump"})
    void everyPrefixIsReadOrRefused(String layout) throws IOException {
        byte[] original = sample(layout);
        for (int n = 0; n <= original.length; n += n < 64 ? 1 : 7) {
            readOrRefuse(Arrays.copyOf(original, n));
        }
        assertEquals(CrashDumpReader.read(DumpBytes.of(original, "a")).code(), CrashDumpReader.read(DumpBytes.of(original, "b")).code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"triage64", "triage32", "minidump"})
    void everyFourByteFieldSetToHugeValues(String layout) {
        byte[] original = sample(layout);
        for (int i = 0; i + 4 <= original.length; i += 4) {
            for (int v : new int[]{-1, Integer.MAX_VALUE, Integer.MIN_VALUE, original.length, original.length - 1, DumpBytes.MAX_READ + 1}) {
                byte[] d = original.clone();
                java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(i, v);
                readOrRefuse(d);
            }
        }
    }
}
