package io.bootmedic.diagnosis;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.registry.HiveWriter;
import io.bootmedic.report.Diagnosis;
import io.bootmedic.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Dirty hives and their logs, with the synthetic hive and logs of the registry tests (HiveLogFuzzTest's dirty primary,
 * its seeds as SYSTEM.LOG1); the files are never changed.
 */
class DirtyHivesTest {
    @TempDir
    Path root;
    @TempDir
    Path xz;

    static byte[] dirtyPrimary() throws Exception {
        Method m = Class.forName("io.bootmedic.fuzz.HiveLogFuzzTest").getDeclaredMethod("dirtyPrimary");
        m.setAccessible(true);
        return (byte[]) m.invoke(null);
    }

    static byte[] seed(String name) throws IOException {
        try (InputStream in = DirtyHivesTest.class.getResourceAsStream("/io/bootmedic/fuzz/HiveLogFuzzTestInputs/replay/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    Path config(String name, byte[] bytes) throws IOException {
        Path p = root.resolve("Windows/System32/config/" + name);
        Files.createDirectories(p.getParent());
        return Files.write(p, bytes);
    }

    List<Diagnosis.HiveState> read() throws IOException {
        return DirtyHives.read(new LocalFileTree(root));
    }

    @Test
    void cleanHivesAreNotDirtyAndMissingOnesSaySo() throws IOException {
        HiveWriter w = new HiveWriter("ROOT");
        w.key("Select").dword("Current", 1);
        config("SYSTEM", w.toBytes());
        assertEquals(List.of(new Diagnosis.HiveState("SYSTEM", false, null, null),
                new Diagnosis.HiveState("SOFTWARE", null, null, "Windows/System32/config/SOFTWARE is not on this volume")), read());
    }

    @Test
    void aDirtyHiveWhoseLogReplaysSaysHowManyEntriesFromWhichLog() throws Exception {
        byte[] primary = dirtyPrimary();
        Path hive = config("SYSTEM", primary);
        config("system.LOG1", seed("new-format-chain-of-two"));
        config("SYSTEM.LOG2", new byte[0]);
        assertEquals(new Diagnosis.HiveState("SYSTEM", true, "replays cleanly: 2 entries from system.LOG1", null), read().get(0));
        assertArrayEquals(primary, Files.readAllBytes(hive), "read-only");
    }

    @Test
    void aRealDirtyHiveFromWindowsReplaysItsLog1AndSkipsItsStaleLog2() throws Exception {
        // regipy's transactions_NTUSER.DAT (Windows-made, sequence 567/566) with its two logs, put where SYSTEM lives
        config("SYSTEM", Files.readAllBytes(SharedData.unxz("registry/regipy/transactions_NTUSER.DAT.xz", xz)));
        config("SYSTEM.LOG1", Files.readAllBytes(SharedData.unxz("registry/regipy/transactions_ntuser.dat.log1.xz", xz)));
        config("SYSTEM.LOG2", Files.readAllBytes(SharedData.unxz("registry/regipy/transactions_ntuser.dat.log2.xz", xz)));
        assertEquals(new Diagnosis.HiveState("SYSTEM", true, "replays cleanly: 23 entries from SYSTEM.LOG1", null), read().get(0));
    }

    @Test
    void aDirtyHiveWithoutUsableLogsSaysWhatWindowsWillLose() throws Exception {
        config("SYSTEM", dirtyPrimary());
        assertEquals("no transaction log (SYSTEM.LOG1, .LOG2): Windows will load it as it is and its newest changes may be lost",
                read().get(0).logs());
        config("SYSTEM.LOG1", new byte[4096]);
        assertEquals("does not replay: SYSTEM is dirty (sequence 2/1) and no log holds its entries from 1: its newest data may be only in a "
                + "missing or damaged log", read().get(0).logs());
    }

    @Test
    void aWrongChecksumIsDirtyTooAndDamageIsOneLine() throws Exception {
        HiveWriter w = new HiveWriter("ROOT");
        w.key("Select").dword("Current", 1);
        byte[] hive = w.toBytes();
        ByteBuffer.wrap(hive).order(ByteOrder.LITTLE_ENDIAN).putInt(508, 12345);
        config("SOFTWARE", hive);
        assertEquals(Boolean.TRUE, read().get(1).dirty());
        config("SOFTWARE", new byte[100]);
        assertEquals(new Diagnosis.HiveState("SOFTWARE", null, null, "Windows/System32/config/SOFTWARE is 100 bytes, too short for a hive's base block"),
                read().get(1));
        config("SOFTWARE", new byte[4096]);
        assertEquals("Windows/System32/config/SOFTWARE is not a registry hive: no 'regf' signature", read().get(1).error());
    }
}
