package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every field of Windows' own logs set to hostile values: the replay either gives exactly what the (mutated) log's
 * first N entries say, for an unbroken chain 566..565+N, or refuses in one line naming the file. Never another
 * exception, never an out-of-bounds read.
 */
class LogReplayMutationTest {
    @TempDir
    static Path tmp;
    static byte[] primary;
    static byte[] log1;
    static byte[] log2;
    static List<Integer> entryOffsets = new ArrayList<>();

    static final long[] HOSTILE = {0, 1, 0xFFFFFFFFL, 0x7FFFFFFFL, 0x80000000L, 565, 567, 600, 512, 4096, 0x100000};

    @BeforeAll
    static void load() throws Exception {
        primary = HiveOracles.unxz(LogReplayTest.NTUSER, tmp);
        log1 = HiveOracles.unxz(LogReplayTest.LOG1, tmp);
        log2 = HiveOracles.unxz(LogReplayTest.LOG2, tmp);
        ByteBuffer l = le(log1);
        for (int off = 512; off + 40 <= log1.length && l.getInt(off) == 0x454C7648; off += l.getInt(off + 4)) {
            entryOffsets.add(off);
        }
        assertEquals(23, entryOffsets.size());
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    int replayed;
    int refused;

    @Test
    void baseBlockFields() throws Exception {
        int[] fields = {0, 4, 8, 12, 20, 24, 28, 32, 36, 40, 44, 508};
        for (int field : fields) {
            for (long v : HOSTILE) {
                for (boolean fixChecksum : new boolean[] {false, true}) {
                    byte[] m = log1.clone();
                    le(m).putInt(field, (int) v);
                    if (fixChecksum && field != 508) {
                        BaseBlock.writeChecksum(m);
                    }
                    check(m, "base block field " + field + " = " + v + (fixChecksum ? " (checksum fixed)" : ""));
                }
            }
        }
        assertTrue(replayed > 0 && refused > 0, replayed + " replayed, " + refused + " refused");
    }

    @Test
    void entryFieldsWithTheirHashesBroken() throws Exception {
        for (int k : new int[] {0, 1, 2, 12, 22}) {
            int e = entryOffsets.get(k);
            for (int field : new int[] {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52}) {
                for (long v : HOSTILE) {
                    byte[] m = log1.clone();
                    if (le(m).getInt(e + field) == (int) v) {
                        continue;
                    }
                    le(m).putInt(e + field, (int) v);
                    RecoveredHive r = check(m, "entry " + k + " field " + field + " = " + v);
                    if (r != null) {
                        assertEquals(k, r.applied().size(), "a damaged entry " + k + " ends the replay right there (field " + field + ")");
                    } else {
                        assertEquals(0, k, "only a damaged first entry leaves nothing to replay (field " + field + ")");
                    }
                }
            }
        }
    }

    @Test
    void entryFieldsForgedWithValidHashes() throws Exception {
        for (int k : new int[] {0, 1, 12, 22}) {
            int e = entryOffsets.get(k);
            int size = le(log1).getInt(e + 4);
            for (int field : new int[] {4, 12, 16, 20, 40, 44, 48, 52}) {
                for (long v : HOSTILE) {
                    byte[] m = log1.clone();
                    le(m).putInt(e + field, (int) v);
                    rehash(m, e, size);
                    check(m, "forged entry " + k + " field " + field + " = " + v);
                }
            }
        }
    }

    @Test
    void truncatedLogs() throws Exception {
        for (int k = 0; k < entryOffsets.size(); k += 3) {
            int e = entryOffsets.get(k);
            for (int cut : new int[] {e, e + 4, e + 39, e + 40, e + 512}) {
                RecoveredHive r = check(Arrays.copyOf(log1, cut), "cut at " + cut);
                if (r != null) {
                    assertEquals(k, r.applied().size(), "cut inside entry " + k);
                }
            }
        }
        for (int cut : new int[] {0, 1, 4, 100, 511}) {
            assertEquals(null, check(Arrays.copyOf(log1, cut), "cut at " + cut));
        }
    }

    @Test
    void aPrimaryWithADamagedBaseBlockTakesItFromTheNewestIntactLog() throws Exception {
        byte[] damaged = primary.clone();
        le(damaged).putInt(508, le(damaged).getInt(508) ^ 0x100);
        RecoveredHive r = LogReplay.replay("NTUSER.DAT", damaged,
                List.of(new LogReplay.LogFile("NTUSER.DAT.LOG1", log1), new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), false);
        assertTrue(r.decisions().contains("NTUSER.DAT: base block restored from NTUSER.DAT.LOG1"), r.decisions().toString());
        assertEquals(LongStream.rangeClosed(566, 588).boxed().toList(), r.applied());
        byte[] expected = entries(primary, log1, r.applied());
        assertArrayEquals(Arrays.copyOfRange(expected, 4096, expected.length), Arrays.copyOfRange(r.bytes(), 4096, expected.length));

        HiveLogException e = org.junit.jupiter.api.Assertions.assertThrows(HiveLogException.class,
                () -> LogReplay.replay("NTUSER.DAT", damaged, List.of(), false));
        assertEquals("NTUSER.DAT: its base block checksum is wrong and no log holds an intact copy of it", e.getMessage());
    }

    @Test
    void primaryBaseBlockFields() throws Exception {
        for (int field : new int[] {4, 8, 20, 24, 28, 36, 40}) {
            for (long v : HOSTILE) {
                for (boolean fixChecksum : new boolean[] {false, true}) {
                    byte[] m = primary.clone();
                    le(m).putInt(field, (int) v);
                    if (fixChecksum) {
                        BaseBlock.writeChecksum(m);
                    }
                    String what = "primary field " + field + " = " + v + (fixChecksum ? " (checksum fixed)" : "");
                    try {
                        LogReplay.replay("NTUSER.DAT", m,
                                List.of(new LogReplay.LogFile("NTUSER.DAT.LOG1", log1), new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), false);
                    } catch (HiveLogException e) {
                        assertTrue(e.getMessage().startsWith("NTUSER.DAT"), what + ": " + e.getMessage());
                        assertFalse(e.getMessage().contains("\n"), what);
                    } catch (RuntimeException e) {
                        throw new AssertionError(what + ": " + e, e);
                    }
                }
            }
        }
    }

    @Test
    void theCleanRecoveryBcdNeverReplaysWhateverItsLogSays() throws Exception {
        byte[] bcd = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD");
        byte[] log = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD.LOG");
        for (int field = 0; field < 600; field += 4) {
            for (long v : HOSTILE) {
                byte[] m = log.clone();
                le(m).putInt(field, (int) v);
                RecoveredHive r = LogReplay.replay("BCD", bcd, List.of(new LogReplay.LogFile("BCD.LOG", m)), false);
                assertArrayEquals(bcd, r.bytes());
                assertFalse(r.replayed());
            }
        }
    }

    /** Recomputes an entry's two hashes, as a forger would. */
    static void rehash(byte[] log, int e, int size) {
        if (size < 40 || size > log.length - e) {
            return;
        }
        le(log).putLong(e + 24, Marvin32.hash(log, e + 40, size - 40, Marvin32.REGISTRY_SEED));
        le(log).putLong(e + 32, Marvin32.hash(log, e, 32, Marvin32.REGISTRY_SEED));
    }

    /** Replays with a mutated LOG1 (and the real LOG2); null when refused. Fails the test on anything but those two outcomes. */
    RecoveredHive check(byte[] mutatedLog1, String what) {
        RecoveredHive r;
        try {
            r = LogReplay.replay("NTUSER.DAT", primary,
                    List.of(new LogReplay.LogFile("NTUSER.DAT.LOG1", mutatedLog1), new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), false);
        } catch (HiveLogException e) {
            assertTrue(e.getMessage().startsWith("NTUSER.DAT"), what + ": the refusal names the file: " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), what + ": one line");
            refused++;
            return null;
        } catch (HiveFormatException e) {
            fail(what + ": refused without naming the log: " + e.getMessage());
            return null;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        replayed++;
        int n = r.applied().size();
        long first = r.applied().get(0);
        assertTrue(first >= 566, what + ": nothing before the hive's secondary sequence 566 is replayed");
        assertEquals(LongStream.range(first, first + n).boxed().toList(), r.applied(), what + ": an unbroken chain");
        byte[] expected = entries(primary, mutatedLog1, r.applied());
        byte[] out = r.bytes();
        assertArrayEquals(Arrays.copyOfRange(expected, 4096, expected.length), Arrays.copyOfRange(out, 4096, expected.length), what);
        assertEquals(first + n - 1, HiveOracles.u32(out, 4), what);
        return r;
    }

    /** The primary with the pages of the log's entries numbered {@code sequences} laid over it, in file order (test code, trusting the log). */
    static byte[] entries(byte[] hive, byte[] log, List<Long> sequences) {
        ByteBuffer l = le(log);
        byte[] out = hive.clone();
        int off = 512;
        for (int done = 0; done < sequences.size(); off += l.getInt(off + 4)) {
            if ((l.getInt(off + 12) & 0xFFFFFFFFL) != sequences.get(done)) {
                continue;
            }
            done++;
            int count = l.getInt(off + 20);
            long bins = l.getInt(off + 16) & 0xFFFFFFFFL;
            if (4096 + bins > out.length) {
                out = Arrays.copyOf(out, (int) (4096 + bins));
            }
            int data = off + 40 + 8 * count;
            for (int j = 0; j < count; j++) {
                int o = l.getInt(off + 40 + 8 * j);
                int s = l.getInt(off + 44 + 8 * j);
                System.arraycopy(log, data, out, 4096 + o, s);
                data += s;
            }
        }
        return out;
    }
}
