package io.bootmedic.osrepair;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** safe-mode and boot-status-policy through a strict fake bcdedit, from WinPE (store files) and on the running Windows. */
class BcdRepairsTest {
    static final String SAFE = "{\"id\":\"safe\",\"action\":\"safe-mode\",\"mode\":\"minimal\"}";
    static final String SAFE_OFF = "{\"id\":\"normal\",\"action\":\"safe-mode\",\"mode\":\"off\"}";
    static final String POLICY = "{\"id\":\"policy\",\"action\":\"boot-status-policy\",\"policy\":\"IgnoreAllFailures\"}";

    @TempDir
    Path volume;
    @TempDir
    Path disks;
    final FakeBcdedit bcdedit = new FakeBcdedit();
    Path espOfD;
    Path espOfE;
    boolean storesReleased;
    int runs;

    @BeforeEach
    void machine() throws IOException {
        PracticeTree.create(volume);
        espOfD = bcdedit.store(disks.resolve("esp1/EFI/Microsoft/Boot/BCD"), "partition=D:");
        espOfE = bcdedit.store(disks.resolve("esp2/EFI/Microsoft/Boot/BCD"), "partition=E:");
    }

    static List<RepairRule> rules(String json) throws Exception {
        return PlaybookParser.parse(("{\"id\":\"bcd\",\"title\":\"boot\",\"rules\":[" + json + "]}").getBytes(StandardCharsets.UTF_8), "t").repairs();
    }

    /** The volume is "D:\" to bcdedit (what WinPE lettered it); its files are the temp folder. */
    /** Store files as Windows lets bootmedic read them; WinRE's tests make the system store's file unreadable. */
    BcdRepairs.StoreFiles files = BcdRepairs::readStore;

    List<ActionResult> run(String json, String root, boolean live, boolean dryRun) throws Exception {
        BcdStores stores = () -> new BcdStores.Found() {
            @Override
            public List<Path> stores() {
                return new ArrayList<>(bcdedit.stores.keySet());
            }

            @Override
            public void close() {
                storesReleased = true;
            }
        };
        return new BcdRepairs(bcdedit, stores, files).apply(rules(json), new LocalFileTree(volume), Path.of(root), live, "run-" + ++runs, dryRun);
    }

    @Test
    void fromWinPeTheStoreThatBootsTheVolumeIsCopiedThenChangedAndTheReportSaysHowToPutItBack() throws Exception {
        List<ActionResult> r = run(SAFE + "," + POLICY, "D:\\", false, false);
        assertEquals("repaired", r.get(0).action().wire(), r.toString());
        assertEquals("safeboot: (absent) -> minimal; to put it back: bcdedit /store " + espOfD + " /deletevalue {default} safeboot", r.get(0).detail());
        assertEquals("bootstatuspolicy: (absent) -> IgnoreAllFailures; to put it back: bcdedit /store " + espOfD + " /deletevalue {default} "
                + "bootstatuspolicy", r.get(1).detail());
        assertEquals("Minimal", bcdedit.stores.get(espOfD).get("safeboot"));
        assertEquals("IgnoreAllFailures", bcdedit.stores.get(espOfD).get("bootstatuspolicy"));
        assertFalse(bcdedit.stores.get(espOfE).containsKey("safeboot"), "the other disk's store untouched");
        // one copy of the store as it was, before the first change
        Path copy = volume.resolve("bootmedic/quarantine/run-1/bcd-store/BCD");
        assertArrayEquals(("regf" + espOfD).getBytes(StandardCharsets.UTF_8), Files.readAllBytes(copy));
        assertEquals("bootmedic/quarantine/run-1/bcd-store/BCD", r.get(0).quarantinePath());
        assertTrue(bcdedit.commands.contains(List.of("bcdedit", "/store", espOfD.toString(), "/set", "{default}", "safeboot", "minimal")));
        assertTrue(bcdedit.commands.contains(List.of("bcdedit", "/store", espOfD.toString(), "/set", "{default}", "bootstatuspolicy", "IgnoreAllFailures")));
        assertTrue(storesReleased, "the ESP mount points are released");

        List<ActionResult> off = run(SAFE_OFF, "d:", false, false);
        assertEquals("safeboot: Minimal -> (absent); to put it back: bcdedit /store " + espOfD + " /set {default} safeboot minimal", off.get(0).detail());
        assertFalse(bcdedit.stores.get(espOfD).containsKey("safeboot"));
    }

    @Test
    void aValueAlreadyAsWantedIsNotNeededAndNothingIsCopied() throws Exception {
        bcdedit.stores.get(espOfD).put("bootstatuspolicy", "IgnoreAllFailures");
        List<ActionResult> r = run(POLICY + "," + SAFE_OFF, "D:\\", false, false);
        assertEquals("kept", r.get(0).action().wire());
        assertEquals("bootstatuspolicy is already IgnoreAllFailures", r.get(0).detail());
        assertEquals("safeboot is already absent", r.get(1).detail());
        assertFalse(Files.exists(volume.resolve("bootmedic")));
    }

    @Test
    void noGuessWhenNoStoreOrSeveralBootTheVolumeOrItHasNoLetter() throws Exception {
        Map<String, String> before = TreeSnapshot.of(volume);
        List<ActionResult> none = run(SAFE, "F:\\", false, false);
        assertEquals("not-done-here", none.get(0).action().wire());
        assertTrue(none.get(0).error().startsWith("no boot configuration(s) start the Windows on F:"), none.get(0).error());
        bcdedit.stores.get(espOfE).put("osdevice", "partition=D:");
        List<ActionResult> two = run(SAFE, "D:\\", false, false);
        assertTrue(two.get(0).error().startsWith("2 boot configuration(s) start the Windows on D:"), two.get(0).error());
        List<ActionResult> folder = run(SAFE, "C:\\Windows\\Temp\\bootmedic\\mnt-3\\", false, false);
        assertTrue(folder.get(0).error().contains("has no drive letter"), folder.get(0).error());
        assertEquals(before, TreeSnapshot.of(volume));
        assertTrue(bcdedit.commands.stream().noneMatch(c -> c.contains("/set")));
    }

    @Test
    void disksThatCannotBeListedLeaveTheRuleNotDoneHere() throws Exception {
        List<ActionResult> r = new BcdRepairs(bcdedit, () -> {
            throw new IOException("this machine's disks could not be listed (Kernel32 not found)");
        }).apply(rules(SAFE), new LocalFileTree(volume), Path.of("D:\\"), false, "run-x", false);
        assertEquals("not-done-here", r.get(0).action().wire());
        assertTrue(r.get(0).error().contains("could not be looked for: this machine's disks could not be listed (Kernel32 not found)"), r.get(0).error());
        assertEquals(List.of(), bcdedit.commands);
    }

    @Test
    void onTheRunningWindowsTheSystemStoreIsExportedThenChanged() throws Exception {
        bcdedit.systemStore = bcdedit.store(disks.resolve("system/BCD"), "partition=C:");
        bcdedit.stores.remove(espOfD);
        bcdedit.stores.remove(espOfE);
        List<ActionResult> r = run(SAFE_OFF + "," + POLICY, "C:\\", true, false);
        assertEquals("kept", r.get(0).action().wire(), r.toString());
        assertEquals("repaired", r.get(1).action().wire(), r.toString());
        assertEquals("bootstatuspolicy: (absent) -> IgnoreAllFailures; to put it back: bcdedit /deletevalue {default} bootstatuspolicy", r.get(1).detail());
        assertArrayEquals(Files.readAllBytes(bcdedit.systemStore), Files.readAllBytes(volume.resolve("bootmedic/quarantine/run-1/bcd-store/BCD")));
        assertTrue(bcdedit.commands.stream().noneMatch(c -> c.contains("/store")), bcdedit.commands.toString());
    }

    @Test
    void inWinReTheStoreWindowsHoldsOpenIsTheSystemStoreAndIsExported() throws Exception {
        bcdedit.systemStore = espOfD;
        files = store -> {
            throw new IOException(store + ": The process cannot access the file because it is being used by another process");
        };
        List<ActionResult> r = run(SAFE, "D:\\", false, false);
        assertEquals("repaired", r.get(0).action().wire(), r.toString());
        assertArrayEquals(Files.readAllBytes(espOfD), Files.readAllBytes(volume.resolve("bootmedic/quarantine/run-1/bcd-store/BCD")));
        assertTrue(bcdedit.commands.contains(List.of("bcdedit", "/export", volume.resolve("bootmedic/quarantine/run-1/bcd-store/BCD").toString())));
    }

    @Test
    void aStoreThatCannotBeReadAndIsNotTheSystemStoreIsNotChanged() throws Exception {
        files = store -> {
            throw new IOException(store + ": The process cannot access the file because it is being used by another process");
        };
        List<ActionResult> r = run(SAFE, "D:\\", false, false);
        assertEquals("failed", r.get(0).action().wire(), r.toString());
        assertTrue(r.get(0).error().startsWith("the store could not be copied before the change (") && r.get(0).error().endsWith("nothing was changed"),
                r.get(0).error());
        assertFalse(bcdedit.stores.get(espOfD).containsKey("safeboot"));
        assertTrue(bcdedit.commands.stream().noneMatch(c -> c.contains("/export") || c.contains("/set")), bcdedit.commands.toString());
    }

    @Test
    void aChangeBcdeditRefusesFailsInItsOwnWordsWithTheCopyNamed() throws Exception {
        bcdedit.german = true;
        bcdedit.stores.clear();
        espOfD = bcdedit.store(disks.resolve("esp1/EFI/Microsoft/Boot/BCD"), "partition=D:");
        bcdedit.failChange = "Beim Festlegen der Elementdaten ist ein Fehler aufgetreten.\nZugriff verweigert.";
        List<ActionResult> r = run(SAFE, "D:\\", false, false);
        assertEquals("failed", r.get(0).action().wire(), r.toString());
        assertTrue(r.get(0).error().contains("exited 1: Zugriff verweigert.); the store as it was is in bootmedic/quarantine/run-1/bcd-store/BCD"),
                r.get(0).error());
        assertFalse(bcdedit.stores.get(espOfD).containsKey("safeboot"));
    }

    @Test
    void aDryRunReadsAndChangesNothing() throws Exception {
        Map<String, String> before = TreeSnapshot.of(volume);
        List<ActionResult> r = run(SAFE + "," + POLICY, "D:\\", false, true);
        assertEquals("would-repair", r.get(0).action().wire());
        assertEquals("safeboot: (absent) -> minimal", r.get(0).detail());
        assertEquals(before, TreeSnapshot.of(volume));
        assertTrue(bcdedit.commands.stream().allMatch(c -> c.contains("/enum")), bcdedit.commands.toString());
    }
}
