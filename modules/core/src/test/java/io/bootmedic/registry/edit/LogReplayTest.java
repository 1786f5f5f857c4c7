package io.bootmedic.registry.edit;

import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveFormatException;
import io.bootmedic.util.ByteArrayChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Log replay against hives and logs written by Windows (../shared/testdata/registry), judged by hivex. */
class LogReplayTest {
    static final String NTUSER = "registry/regipy/transactions_NTUSER.DAT.xz";
    static final String LOG1 = "registry/regipy/transactions_ntuser.dat.log1.xz";
    static final String LOG2 = "registry/regipy/transactions_ntuser.dat.log2.xz";
    static final String DESKTOP = "Control Panel\\Desktop";

    @TempDir
    Path tmp;

    @Test
    void dirtyNtuserGetsLog1EntriesAndSkipsTheStaleLog2() throws Exception {
        byte[] primary = HiveOracles.unxz(NTUSER, tmp);
        byte[] log1 = HiveOracles.unxz(LOG1, tmp);
        byte[] log2 = HiveOracles.unxz(LOG2, tmp);
        assertEquals(567, HiveOracles.u32(primary, 4));
        assertEquals(566, HiveOracles.u32(primary, 8));

        RecoveredHive r = LogReplay.replay("NTUSER.DAT", primary,
                List.of(new LogReplay.LogFile("NTUSER.DAT.LOG1", log1), new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), false);

        assertEquals(LongStream.rangeClosed(566, 588).boxed().toList(), r.applied());
        assertEquals(588, r.sequence());
        assertEquals(588, r.highestLogSequence());
        assertTrue(r.decisions().stream().anyMatch(d -> d.startsWith("NTUSER.DAT.LOG2: skipped, stale")), r.decisions().toString());
        byte[] out = r.bytes();
        assertEquals(588, HiveOracles.u32(out, 4));
        assertEquals(588, HiveOracles.u32(out, 8));
        assertEquals(925696, HiveOracles.u32(out, 40), "the hive bins size of the last entry");

        // the expectation derived from the log entries alone: every page of LOG1 laid over the primary
        byte[] expected = HiveOracles.overlay(primary, log1, 566);
        java.nio.ByteBuffer.wrap(expected).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, 588).putInt(8, 588).putInt(40, 925696);
        BaseBlock.writeChecksum(expected);
        assertEquals(HiveOracles.entrySequences(log1), r.applied());
        assertArrayEquals(Arrays.copyOfRange(expected, 4096, expected.length), Arrays.copyOfRange(out, 4096, out.length));

        Path recovered = Files.write(tmp.resolve("recovered"), out);
        Path primaryFile = Files.write(tmp.resolve("primary"), primary);
        Path expectedFile = Files.write(tmp.resolve("expected"), expected);
        // what Windows sees (the newest value, from LOG1) and what hivex alone sees in the primary (the old one)
        assertEquals("2880", HiveOracles.hivexget(recovered, DESKTOP, "MaxVirtualDesktopDimension"));
        assertEquals("2048", HiveOracles.hivexget(primaryFile, DESKTOP, "MaxVirtualDesktopDimension"));
        assertEquals(2880, Hive.open(new ByteArrayChannel(out)).key(DESKTOP).get().value("MaxVirtualDesktopDimension").get().asLong());
        String whole = HiveOracles.hivexml(recovered);
        assertEquals(HiveOracles.hivexml(expectedFile), whole, "hivex reads the whole replayed tree as the log entries say");
        assertNotEquals(HiveOracles.hivexml(primaryFile), whole);

        RecoveredHive swapped = LogReplay.replay("NTUSER.DAT", primary,
                List.of(new LogReplay.LogFile("NTUSER.DAT.LOG2", log2), new LogReplay.LogFile("NTUSER.DAT.LOG1", log1)), false);
        assertArrayEquals(out, swapped.bytes(), "the order the logs are given in does not matter");
    }

    @Test
    void aDirtyHiveWithOnlyItsStaleLogIsRefused() throws Exception {
        byte[] primary = HiveOracles.unxz(NTUSER, tmp);
        byte[] log2 = HiveOracles.unxz(LOG2, tmp);
        HiveFormatException e = assertThrows(HiveLogException.class,
                () -> LogReplay.replay("NTUSER.DAT", primary, List.of(new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), false));
        assertEquals("NTUSER.DAT is dirty (sequence 567/566) and no log holds its entries from 566: its newest data may be only in a missing or damaged log",
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        RecoveredHive asIs = LogReplay.replay("NTUSER.DAT", primary, List.of(new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), true);
        assertFalse(asIs.replayed());
        assertEquals(562, asIs.highestLogSequence());
    }

    @Test
    void theDirtyWindows10SystemHiveWithoutItsLogsIsRefusedUnlessAcceptedAsItIs() throws Exception {
        byte[] primary = HiveOracles.unxz("registry/regipy/SYSTEM_WIN_10_1709.xz", tmp);
        HiveLogException e = assertThrows(HiveLogException.class, () -> LogReplay.replay("SYSTEM", primary, List.of(), false));
        assertEquals("SYSTEM is dirty (sequence 4317/4316) and no log holds its entries from 4316: its newest data may be only in a missing or damaged log",
                e.getMessage());
        RecoveredHive asIs = LogReplay.replay("SYSTEM", primary, List.of(), true);
        assertEquals(List.of("SYSTEM: dirty (sequence 4317/4316), read as it is: no usable log"), asIs.decisions());
        HiveEditor editor = HiveEditor.open(asIs);
        editor.setValue("ControlSet001\\Control\\CrashControl", "AutoReboot", io.bootmedic.registry.HiveValue.REG_DWORD, new byte[4]);
        byte[] edited = editor.finish();
        assertEquals(4318, HiveOracles.u32(edited, 4));
        assertEquals(4318, HiveOracles.u32(edited, 8));
        Path out = Files.write(tmp.resolve("SYSTEM10"), edited);
        assertEquals("0", HiveOracles.hivexget(out, "ControlSet001\\Control\\CrashControl", "AutoReboot"));
        assertEquals("DESKTOP-2KGM189", HiveOracles.hivexget(out, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName"));
    }

    @Test
    void recoveryBcdsAppliedEntryIsNotReplayed() throws Exception {
        byte[] primary = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD");
        byte[] log = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD.LOG");
        RecoveredHive r = LogReplay.replay("BCD", primary, List.of(new LogReplay.LogFile("BCD.LOG", log)), false);
        assertFalse(r.replayed());
        assertArrayEquals(primary, r.bytes());
        assertEquals(6, r.sequence());
        assertEquals(5, r.highestLogSequence(), "a later write must still go above the log's entry");
        assertEquals(List.of("BCD.LOG: not replayed, BCD is clean (sequence 6/6)"), r.decisions());

        // replayed anyway, entry 5 would set the sequence back to 5/5 (its pages hold what the primary already has):
        // the byte-for-byte equality above fails for a replay that ignores the clean state
        byte[] dirty = primary.clone();
        java.nio.ByteBuffer.wrap(dirty).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8, 5);
        BaseBlock.writeChecksum(dirty);
        RecoveredHive forced = LogReplay.replay("BCD", dirty, List.of(new LogReplay.LogFile("BCD.LOG", log)), false);
        assertEquals(List.of(5L), forced.applied());
        assertEquals(5, HiveOracles.u32(forced.bytes(), 4));
        assertArrayEquals(Arrays.copyOfRange(primary, 4096, primary.length), Arrays.copyOfRange(forced.bytes(), 4096, primary.length));
    }

    @Test
    void marvin32MatchesEveryEntryOfTheRealLogs() throws Exception {
        for (String name : List.of(LOG1, LOG2)) {
            byte[] log = HiveOracles.unxz(name, tmp);
            TransactionLog t = TransactionLog.parse(name, log);
            long offset = 512;
            int n = 0;
            for (TransactionLog.Entry e; (e = t.entryAt(offset, 1L << 29)) != null; offset += e.size()) {
                assertTrue(e.ok(), e.problem());
                n++;
            }
            assertEquals(HiveOracles.entrySequences(log).size(), n);
        }
    }
}
