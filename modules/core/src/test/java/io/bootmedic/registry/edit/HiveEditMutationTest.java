package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cells a repair's edits walk through (key nodes, value lists, value cells, an index root, their size fields) of
 * Windows' SYSTEM hive set to hostile values: each edit either completes and reads back as made, or is refused in one
 * line starting with the hive's name. Never another exception, never an out-of-bounds access.
 */
class HiveEditMutationTest {
    @TempDir
    static Path tmp;
    static byte[] original;
    static final long[] HOSTILE = {0, 1, 0xFFFFFFFFL, 0x7FFFFFFFL, 0x80000000L, 8, 0x1000};

    @BeforeAll
    static void load() throws Exception {
        original = HiveOracles.unxz("registry/regipy/SYSTEM.xz", tmp);
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void cellsOnTheEditPaths() throws Exception {
        HiveEditor probe = HiveEditor.open(HiveEditTest.clean("SYSTEM", original));
        long crash = probe.key(HiveEditTest.CRASH).orElseThrow();
        long disk = probe.key(HiveEditTest.DISK_CLASS).orElseThrow();
        long cdd = probe.key("ControlSet001\\Control\\CriticalDeviceDatabase").orElseThrow();
        List<Long> targets = new ArrayList<>(); // file offsets of 4-byte fields
        for (long nk : new long[] {crash, disk, cdd}) {
            long at = 4096 + nk;
            targets.add(at); // the cell's size
            for (int f = 0; f < 0x50; f += 4) {
                targets.add(at + 4 + f);
            }
        }
        long valueList = 4096 + le(original).getInt((int) (4096 + crash + 4 + 0x28));
        targets.add(valueList);
        for (int i = 0; i < 3; i++) {
            targets.add(valueList + 4 + 4L * i);
        }
        long vk = 4096 + le(original).getInt((int) valueList + 4);
        for (int f = 0; f <= 0x14; f += 4) {
            targets.add(vk + f);
        }
        long ri = 4096 + le(original).getInt((int) (4096 + cdd + 4 + 0x1C));
        for (int f = 0; f <= 16; f += 4) {
            targets.add(ri + f);
        }
        int done = 0;
        int refused = 0;
        for (long target : targets) {
            for (long v : HOSTILE) {
                byte[] m = original.clone();
                le(m).putInt((int) target, (int) v);
                String what = "field at " + target + " = " + v;
                try {
                    HiveEditor e = HiveEditor.open(LogReplay.replay("SYSTEM", m, List.of(), false));
                    e.setValue(HiveEditTest.CRASH, "AutoReboot", HiveValue.REG_DWORD, new byte[4]);
                    e.setValue(HiveEditTest.DISK_CLASS, "UpperFilters", HiveValue.REG_MULTI_SZ, HiveEditTest.multiSz("PartMgr", "badflt"));
                    e.createKey("ControlSet001\\Control\\CriticalDeviceDatabase", "pci#ven_8086&dev_bmdc");
                    e.finish();
                    done++;
                } catch (HiveLogException e) {
                    assertTrue(e.getMessage().startsWith("SYSTEM"), what + ": " + e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), what);
                    refused++;
                } catch (Exception | Error e) {
                    throw new AssertionError(what + ": " + e, e);
                }
            }
        }
        assertTrue(done > 0 && refused > 0, done + " edited, " + refused + " refused");
    }
}
