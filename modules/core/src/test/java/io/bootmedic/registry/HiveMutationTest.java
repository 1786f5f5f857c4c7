package io.bootmedic.registry;

import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.SharedData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hives written by Windows (../shared/testdata/registry), damaged one field at a time: every 32-bit
 * word of the base block (with and without a re-computed checksum), of the first hive bin's header
 * and of the cells, flipped and zeroed; then truncated at every structure boundary. Only a
 * HiveFormatException may come out, and the bytes are never changed.
 */
class HiveMutationTest {
    private static final int BUDGET = 60;
    @TempDir
    Path tmp;

    private byte[] hive(String name) throws IOException {
        if (name.endsWith(".xz")) {
            return Files.readAllBytes(SharedData.unxz("registry/" + name, tmp));
        }
        return Files.readAllBytes(SharedData.file("registry/" + name));
    }

    private static void survives(byte[] mutated, String what) {
        byte[] copy = mutated.clone();
        try {
            Hostile.parseOrRefuse(() -> HiveWalk.walk(copy, BUDGET));
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
        assertArrayEquals(mutated, copy, what + ": the input was changed");
    }

    private static void fixChecksum(byte[] b) {
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int x = 0;
        for (int i = 0; i < 508; i += 4) {
            x ^= le.getInt(i);
        }
        le.putInt(508, x);
    }

    private static void mutateWords(byte[] good, int from, int to, boolean recomputeChecksum, String what) {
        for (int off = from; off + 4 <= Math.min(to, good.length); off += 4) {
            for (int kind = 0; kind < 3; kind++) {
                byte[] b = good.clone();
                ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                int v = le.getInt(off);
                le.putInt(off, switch (kind) {
                    case 0 -> v ^ 0x80000001;
                    case 1 -> 0;
                    default -> 0xFFFFFFFF;
                });
                if (recomputeChecksum) {
                    fixChecksum(b);
                }
                survives(b, what + " word at " + off + " mutation " + kind);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hivex/minimal", "hivex/special", "aiowinreg-nt4/system.reg", "regipy/SYSTEM.xz"})
    void everyFieldDamagedAndEveryTruncation(String name) throws IOException {
        byte[] good = hive(name);
        assertTrue(HiveWalk.walk(good, BUDGET) > 0, "the undamaged hive reads");
        // the fields of the base block (signature to bins size; the rest is a file name and reserved space) and its checksum
        mutateWords(good, 0, 0x30, false, name + " base block");
        mutateWords(good, 0, 0x30, true, name + " base block (checksum fixed)");
        mutateWords(good, 508, 512, false, name + " base block checksum");
        mutateWords(good, 4096, 4096 + 32, false, name + " first hbin header");
        // the cells of the first bin: the root key, its lists and values are there in every real hive
        int cells = name.startsWith("hivex") ? good.length : 4096 + 1024;
        mutateWords(good, 4096 + 32, cells, false, name + " cells");
        for (int cut : new int[]{0, 4, 511, 512, 4095, 4096, 4096 + 32, 4096 + 36, 8191, good.length / 2, good.length - 1}) {
            if (cut < good.length) {
                survives(Arrays.copyOf(good, cut), name + " truncated at " + cut);
            }
        }
    }
}
