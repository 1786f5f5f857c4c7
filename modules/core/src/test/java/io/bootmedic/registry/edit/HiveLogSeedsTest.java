package io.bootmedic.registry.edit;

import io.bootmedic.registry.Hive;
import io.bootmedic.util.ByteArrayChannel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The fuzz target's seeds replay as meant: synthetic logs (made for this test, not by Windows) in both formats. The
 * old format is checked only here: no Windows-made old-format log is in the shared test data.
 */
class HiveLogSeedsTest {
    static byte[] seed(String name) throws IOException {
        try (InputStream in = HiveLogSeedsTest.class.getResourceAsStream("/io/bootmedic/fuzz/HiveLogFuzzTestInputs/replay/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    static byte[] primary() throws Exception {
        Method m = Class.forName("io.bootmedic.fuzz.HiveLogFuzzTest").getDeclaredMethod("dirtyPrimary");
        m.setAccessible(true);
        return (byte[]) m.invoke(null);
    }

    @Test
    void eachSeedTurnsAutoRebootToZero() throws Exception {
        byte[] primary = primary();
        assertEquals(1, autoReboot(LogReplay.replay("SYSTEM", primary, List.of(), true).bytes()), "the primary alone");
        for (String name : List.of("new-format-one-entry", "new-format-chain-of-two", "old-format-dirty-vector")) {
            RecoveredHive r = LogReplay.replay("SYSTEM", primary, List.of(new LogReplay.LogFile("SYSTEM.LOG1", seed(name))), false);
            assertEquals(0, autoReboot(r.bytes()), name);
            assertEquals(name.contains("two") ? List.of(1L, 2L) : List.of(1L), r.applied(), name);
        }
    }

    @Test
    void anOldFormatLogFromAnotherWriteIsNotApplied() throws Exception {
        byte[] log = seed("old-format-dirty-vector");
        java.nio.ByteBuffer.wrap(log).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(12, 1L);
        BaseBlock.writeChecksum(log);
        HiveLogException e = org.junit.jupiter.api.Assertions.assertThrows(HiveLogException.class,
                () -> LogReplay.replay("SYSTEM", primary(), List.of(new LogReplay.LogFile("SYSTEM.LOG", log)), false));
        assertEquals("SYSTEM is dirty (sequence 2/1) and no log holds its entries from 1: its newest data may be only in a missing or damaged log",
                e.getMessage());
    }

    private static long autoReboot(byte[] hive) throws IOException {
        return Hive.open(new ByteArrayChannel(hive)).key("Control\\CrashControl").get().value("AutoReboot").get().asLong();
    }
}
