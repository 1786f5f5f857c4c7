package io.bootmedic.osrepair;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.testutil.SharedData;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry rules on the running Windows (safe mode): written in place through the API after the hive is saved with
 * reg save and a .reg file of the old values is in the quarantine. The "running" hive is Windows 7's real SYSTEM file.
 */
class LiveRegistryRepairTest {
    @TempDir
    Path root;
    @TempDir
    Path tmp;
    Path liveHive;
    byte[] original;
    final FakeRegistryApi api = new FakeRegistryApi();
    boolean saveFails;

    /** reg.exe save HKLM\<hive> <file>: a copy of the live hive, as Windows saves it; refuses to overwrite. */
    final CommandRunner reg = (cmd, timeout) -> {
        if (cmd.size() != 4 || !cmd.get(0).equals("reg.exe") || !cmd.get(1).equals("save") || !cmd.get(2).equals("HKLM\\SYSTEM")) {
            throw new AssertionError("not a reg save of the live SYSTEM hive: " + cmd);
        }
        api.calls.add("reg save");
        Path to = Path.of(cmd.get(3));
        if (saveFails || Files.exists(to)) {
            return new CommandRunner.Result(1, DismRecordings.piped("FEHLER: Zugriff verweigert\r\n"));
        }
        Files.write(to, Files.readAllBytes(liveHive));
        return new CommandRunner.Result(0, "The operation completed successfully.\r\n");
    };

    @BeforeEach
    void runningWindows() throws IOException {
        PracticeTree.create(root);
        original = Files.readAllBytes(SharedData.unxz("registry/regipy/SYSTEM.xz", tmp));
        liveHive = tmp.resolve("HKLM-SYSTEM");
        Files.write(liveHive, original);
        api.live.put("SYSTEM", liveHive);
    }

    List<ActionResult> run(String rules, boolean dryRun) throws Exception {
        return new OsRepairs(api, reg, () -> {
            throw new AssertionError("no boot configuration");
        }, root).apply(new LocalFileTree(root), CrashPoint.NONE, "run-1", "live", DismRepairsTest.rules(rules), dryRun);
    }

    @Test
    void theHiveIsSavedAndTheOldValuesWrittenAsARegFileBeforeTheValuesAreWrittenInPlace() throws Exception {
        List<ActionResult> r = run(OsRegistryRepairTest.DISABLE_BEEP + "," + OsRegistryRepairTest.NO_AUTOREBOOT, false);
        Path undo = root.resolve("bootmedic/quarantine/run-1/registry/SYSTEM-undo.reg");
        assertEquals("repaired", r.get(0).action().wire(), r.toString());
        assertEquals("1 -> 4 (ControlSet001), in the running Windows' registry; to put it back: reg import " + undo, r.get(0).detail());
        assertEquals("bootmedic/quarantine/run-1/registry/SYSTEM", r.get(0).quarantinePath());
        assertEquals(List.of("open HKLM\\SYSTEM", "reg save", "set " + OsRegistryRepairTest.SERVICE + "\\Start", "set " + OsRegistryRepairTest.CRASH
                + "\\AutoReboot", "flush", "close HKLM\\SYSTEM"), api.calls);
        assertArrayEquals(original, Files.readAllBytes(root.resolve("bootmedic/quarantine/run-1/registry/SYSTEM")), "saved before the first write");
        byte[] file = Files.readAllBytes(undo);
        assertEquals(0xFF, file[0] & 0xFF);
        assertEquals(0xFE, file[1] & 0xFF);
        assertEquals("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Beep]\r\n\"Start\"=dword:00000001\r\n"
                + "\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\CrashControl]\r\n\"AutoReboot\"=dword:00000001\r\n\r\n",
                new String(file, 2, file.length - 2, StandardCharsets.UTF_16LE));
        // the volume's hive file is not the one used: no copy, no journal, no rename
        assertFalse(Files.exists(root.resolve("bootmedic/os-work")) || Files.exists(root.resolve("bootmedic/journal")), TreeSnapshot.of(root).keySet()
                .toString());
        // the live hive holds the new values (the fake flushes into the file, as Windows does into the loaded hive)
        var hive = io.bootmedic.registry.Hive.open(new io.bootmedic.util.ByteArrayChannel(Files.readAllBytes(liveHive)));
        assertEquals(4, hive.key(OsRegistryRepairTest.SERVICE).orElseThrow().value("Start").orElseThrow().asLong());
    }

    @Test
    void aHiveThatCannotBeSavedIsNotWritten() throws Exception {
        saveFails = true;
        List<ActionResult> r = run(OsRegistryRepairTest.DISABLE_BEEP, false);
        assertEquals("failed", r.get(0).action().wire());
        assertTrue(r.get(0).error().contains("exited 1: FEHLER: Zugriff verweigert); nothing was changed"), r.get(0).error());
        assertArrayEquals(original, Files.readAllBytes(liveHive));
        assertFalse(api.calls.stream().anyMatch(c -> c.startsWith("set")), api.calls.toString());
    }

    @Test
    void aWriteWindowsRefusesHalfWaySaysHowToPutTheOldValuesBack() throws Exception {
        api.failOn = "set";
        List<ActionResult> r = run(OsRegistryRepairTest.DISABLE_BEEP, false);
        assertEquals("failed", r.get(0).action().wire());
        assertTrue(r.get(0).error().endsWith("some values may be written: to put the old ones back, reg import "
                + root.resolve("bootmedic/quarantine/run-1/registry/SYSTEM-undo.reg")), r.get(0).error());
    }

    @Test
    void aDryRunReadsTheRunningRegistryAndWritesNothing() throws Exception {
        Map<String, String> before = TreeSnapshot.of(root);
        List<ActionResult> r = run(OsRegistryRepairTest.DISABLE_BEEP, true);
        assertEquals("would-repair", r.get(0).action().wire());
        assertEquals("1 -> 4 (ControlSet001), in the running Windows' registry", r.get(0).detail());
        assertEquals(before, TreeSnapshot.of(root));
        assertEquals(List.of("open HKLM\\SYSTEM", "close HKLM\\SYSTEM"), api.calls);
        assertArrayEquals(original, Files.readAllBytes(liveHive));
    }

    @Test
    void regFilesCarryEveryTypeAndRefuseNamesTheyCannotHold() {
        RegFile f = new RegFile().value("SYSTEM", "ControlSet001\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}", "UpperFilters",
                new RegistryApi.Value(RegistryData.REG_MULTI_SZ, RegistryData.multiSz(List.of("PartMgr", "badflt"))))
                .value("SOFTWARE", "Vendor\\Agent", "Path", new RegistryApi.Value(RegistryData.REG_SZ, "C:\\Program Files\\\"x\"\0".getBytes(StandardCharsets.UTF_16LE)))
                .value("SOFTWARE", "Vendor\\Agent", "", null)
                .value("SOFTWARE", "Vendor\\Agent", "Big", new RegistryApi.Value(RegistryData.REG_QWORD, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}));
        String text = new String(f.bytes(), 2, f.bytes().length - 2, StandardCharsets.UTF_16LE);
        assertTrue(text.contains("\"UpperFilters\"=hex(7):50,00,61,00,72,00,74,00,4d,00,67,00,72,00,00,00,62,00,61,00,64,00,66,00,6c,00,74,00,00,00,00,00\r\n"),
                text);
        assertTrue(text.contains("\"Path\"=\"C:\\\\Program Files\\\\\\\"x\\\"\"\r\n"), text);
        assertTrue(text.contains("\r\n@=-\r\n"), text);
        assertTrue(text.contains("\"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n"), text);
        for (String bad : List.of("a]b", "a\nb", "a\rb")) {
            try {
                new RegFile().value("SYSTEM", bad, "v", null);
                throw new AssertionError("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage().contains("cannot carry"));
            }
        }
    }
}
