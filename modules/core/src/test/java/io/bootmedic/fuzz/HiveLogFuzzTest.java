package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.registry.HiveWriter;
import io.bootmedic.registry.edit.HiveEditor;
import io.bootmedic.registry.edit.LogForger;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.registry.edit.RecoveredHive;
import io.bootmedic.testutil.Hostile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A transaction log from a crashed machine, replayed over a small dirty hive (sequence 2/1) and, where the replay
 * succeeds, edited the way a repair would (a DWORD, a longer string, a new key) and sealed. The seeds
 * ({@code HiveLogFuzzTestInputs/replay/}) are synthetic logs made for this hive: two new-format (one entry, a chain of
 * two) and one old-format dirty vector, each turning AutoReboot from 1 to 0.
 */
class HiveLogFuzzTest {
    /** The hive the seeds were made for: HiveWriter's, marked dirty (primary 2, secondary 1). */
    static byte[] dirtyPrimary() {
        HiveWriter w = new HiveWriter("ROOT");
        w.key("Control\\CrashControl").dword("AutoReboot", 1);
        w.key("Objects\\Elements").string("Description", "x");
        byte[] hive = w.toBytes();
        ByteBuffer b = ByteBuffer.wrap(hive).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, 2).putInt(8, 1);
        int sum = 0;
        for (int i = 0; i < 508; i += 4) {
            sum ^= b.getInt(i);
        }
        b.putInt(508, sum == 0 ? 1 : sum == -1 ? -2 : sum);
        return hive;
    }

    private static final byte[] PRIMARY = dirtyPrimary();

    /** Each input twice: as it is, and made self-consistent (checksum and hashes recomputed) to reach past the hash checks. */
    @FuzzTest(maxDuration = "45s")
    void replay(byte[] log) {
        replayAndEdit(log);
        replayAndEdit(LogForger.consistent(log));
    }

    private static void replayAndEdit(byte[] log) {
        Hostile.parseOrRefuse(() -> {
            RecoveredHive r = LogReplay.replay("SYSTEM", PRIMARY, List.of(new LogReplay.LogFile("SYSTEM.LOG1", log)), false);
            HiveEditor e = HiveEditor.open(r);
            e.setValue("Control\\CrashControl", "AutoReboot", HiveValue.REG_DWORD, new byte[4]);
            e.setValue("Objects\\Elements", "Description", HiveValue.REG_SZ, "a longer description\0".getBytes(StandardCharsets.UTF_16LE));
            e.finish();
            e.createKey("Objects\\Elements", "25000080");
            e.finish();
        });
    }
}
