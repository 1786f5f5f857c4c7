package io.bootmedic.registry.edit;

import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveKey;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.util.ByteArrayChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edits on hives written by Windows, each judged three ways: hivex reads the edited hive back, our reader reads it
 * back, and the same edit made by {@code hivexsh -w} on a clean copy reads the same.
 */
class HiveEditTest {
    static final String CRASH = "ControlSet001\\Control\\CrashControl";
    static final String DISK_CLASS = "ControlSet001\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}";
    static final String BCD_ENTRY = "Objects\\{733b62e5-f608-11eb-825c-c112f60133ab}\\Elements";

    @TempDir
    Path tmp;

    static RecoveredHive clean(String name, byte[] hive) throws Exception {
        return LogReplay.replay(name, hive, List.of(), false);
    }

    static Hive read(byte[] hive) throws IOException {
        return Hive.open(new ByteArrayChannel(hive));
    }

    @Test
    void autoRebootSetToZeroOnAWindows7SystemHive() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/SYSTEM.xz", tmp);
        HiveEditor editor = HiveEditor.open(clean("SYSTEM", original));
        Optional<HiveEditor.OldValue> old = editor.setValue(CRASH, "AutoReboot", HiveValue.REG_DWORD, new byte[4]);
        assertEquals(HiveValue.REG_DWORD, old.get().type());
        assertArrayEquals(new byte[] {1, 0, 0, 0}, old.get().data());
        byte[] edited = editor.finish();
        assertEquals(original.length, edited.length, "a DWORD is stored in its value cell: nothing grows");
        assertEquals(13984, HiveOracles.u32(edited, 4));
        assertEquals(13984, HiveOracles.u32(edited, 8));

        Path ours = Files.write(tmp.resolve("SYSTEM.ours"), edited);
        assertEquals("0", HiveOracles.hivexget(ours, CRASH, "AutoReboot"));
        assertEquals(0, read(edited).key(CRASH).get().value("AutoReboot").get().asLong());
        Path theirs = hivexEdit(original, CRASH, "AutoReboot", HiveValue.REG_DWORD, new byte[4]);
        assertEquals(HiveOracles.hivexvalues(theirs, CRASH), HiveOracles.hivexvalues(ours, CRASH));
        assertEquals("WKS-WIN732BITA", HiveOracles.hivexget(ours, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName"));
    }

    @Test
    void aLongerMultiStringGetsANewCellAndAShorterOneStaysInPlace() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/SYSTEM.xz", tmp);
        byte[] longer = multiSz("PartMgr", "badflt");
        HiveEditor editor = HiveEditor.open(clean("SYSTEM", original));
        assertArrayEquals(multiSz("PartMgr"), editor.setValue(DISK_CLASS, "UpperFilters", HiveValue.REG_MULTI_SZ, longer).get().data());
        byte[] edited = editor.finish();
        Path ours = Files.write(tmp.resolve("SYSTEM.multi"), edited);
        assertEquals(List.of("PartMgr", "badflt"), read(edited).key(DISK_CLASS).get().value("UpperFilters").get().asStrings());
        assertEquals("PartMgr\nbadflt", HiveOracles.hivexget(ours, DISK_CLASS, "UpperFilters").replace("\n\n", "\n").strip());
        Path theirs = hivexEdit(original, DISK_CLASS, "UpperFilters", HiveValue.REG_MULTI_SZ, longer);
        assertEquals(HiveOracles.hivexvalues(theirs, DISK_CLASS), HiveOracles.hivexvalues(ours, DISK_CLASS));

        // and back: the filter removed again, the shorter data written into the cell it has now
        HiveEditor again = HiveEditor.open(clean("SYSTEM", edited));
        again.setValue(DISK_CLASS, "UpperFilters", HiveValue.REG_MULTI_SZ, multiSz("PartMgr"));
        byte[] back = again.finish();
        assertEquals(edited.length, back.length);
        assertEquals(List.of("PartMgr"), read(back).key(DISK_CLASS).get().value("UpperFilters").get().asStrings());
        assertEquals(HiveOracles.hivexvalues(Files.write(tmp.resolve("orig"), original), DISK_CLASS),
                HiveOracles.hivexvalues(Files.write(tmp.resolve("back"), back), DISK_CLASS));
    }

    @Test
    void safeBootElementAddedToTheDefaultBootEntryOfAWindows10Bcd() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/BCD.xz", tmp);
        String def = read(original).key("Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\\Elements\\23000003").get().value("Element").get().asString();
        assertEquals("{733b62e5-f608-11eb-825c-c112f60133ab}", def, "the boot manager's default entry");
        String elements = "Objects\\" + def + "\\Elements";
        assertEquals(BCD_ENTRY, elements);
        HiveEditor editor = HiveEditor.open(clean("BCD", original));
        assertTrue(editor.createKey(elements, "25000080"));
        assertFalse(editor.createKey(elements, "25000080"), "a second create finds it");
        assertTrue(editor.setValue(elements + "\\25000080", "Element", HiveValue.REG_BINARY, new byte[8]).isEmpty());
        byte[] edited = editor.finish();
        assertTrue(edited.length >= original.length);
        assertEquals(35, HiveOracles.u32(edited, 4));

        Path ours = Files.write(tmp.resolve("BCD.ours"), edited);
        Path theirs = Files.write(tmp.resolve("BCD.hivex"), original);
        HiveOracles.hivexsh(theirs, tmp, "cd " + elements + "\nadd 25000080\ncd 25000080\nsetval 1\nElement\nhex:3:00,00,00,00,00,00,00,00\ncommit\n");
        assertEquals(hivexLs(theirs, elements), hivexLs(ours, elements), "the same keys in the same (sorted) order");
        List<String> names = new ArrayList<>();
        for (HiveKey k : read(edited).key(elements).get().subkeys()) {
            names.add(k.name());
        }
        assertEquals(16, names.size());
        assertEquals("25000080", names.get(14));
        assertEquals("250000c2", names.get(15));
        assertEquals(HiveOracles.hivexvalues(theirs, elements + "\\25000080"), HiveOracles.hivexvalues(ours, elements + "\\25000080"));

        assertArrayEquals(new byte[8], read(edited).key(elements + "\\25000080").get().value("Element").get().data());
        assertEquals("Windows 10", HiveOracles.hivexget(ours, elements + "\\12000004", "Element"));
    }

    @Test
    void theLargestSubkeyNameGrowsAndWindowsFlagsAboveItStay() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/SYSTEM.xz", tmp);
        String name = "a-longer-key-name-than-any-other-here-bootmedic";
        HiveEditor editor = HiveEditor.open(clean("SYSTEM", original));
        int field = (int) (4096 + editor.key("ControlSet001").orElseThrow() + 4 + 0x34);
        assertEquals(0x10022, HiveOracles.u32(original, field), "a flag above the length (17 characters) in Windows' hive");
        editor.createKey("ControlSet001", name);
        byte[] edited = editor.finish();
        assertEquals(0x10000 | name.length() * 2, HiveOracles.u32(edited, field));
        assertEquals("", HiveOracles.hivexvalues(Files.write(tmp.resolve("SYSTEM.long"), edited), "ControlSet001\\" + name).strip());
    }

    @Test
    void aKeyAddedUnderAnIndexRootGoesIntoTheRightLeaf() throws Exception {
        String cdd = "ControlSet001\\Control\\CriticalDeviceDatabase"; // 2548 subkeys under an ri list in this hive
        byte[] original = HiveOracles.unxz("registry/regipy/SYSTEM.xz", tmp);
        HiveEditor editor = HiveEditor.open(clean("SYSTEM", original));
        assertTrue(editor.createKey(cdd, "pci#ven_8086&dev_bmdc"));
        assertTrue(editor.createKey(cdd, "{AAAA-bootmedic}"));
        byte[] edited = editor.finish();
        Path ours = Files.write(tmp.resolve("SYSTEM.cdd"), edited);
        Path theirs = Files.write(tmp.resolve("SYSTEM.cdd.hivex"), original);
        HiveOracles.hivexsh(theirs, tmp, "cd " + cdd + "\nadd pci#ven_8086&dev_bmdc\nadd {AAAA-bootmedic}\ncommit\n");
        String listed = hivexLs(ours, cdd);
        assertEquals(hivexLs(theirs, cdd), listed);
        assertEquals(2550, listed.lines().count());
        List<String> names = new ArrayList<>();
        for (HiveKey k : read(edited).key(cdd).get().subkeys()) {
            names.add(k.name());
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(SubkeyLists::compare);
        assertEquals(sorted, names, "every leaf of the index root still in Windows' order");
        assertTrue(names.contains("pci#ven_8086&dev_bmdc"));
    }

    /** hivexregedit and libregf (skipped with a message where scripts/setup-debian.sh has not installed them). */
    @Test
    void theEditedBcdReadsBackInHivexregeditAndLibregf() throws Exception {
        boolean regedit = HiveOracles.installed("hivexregedit");
        boolean libregf = HiveOracles.installed("regfexport") && HiveOracles.installed("regfinfo");
        org.junit.jupiter.api.Assumptions.assumeTrue(regedit || libregf,
                "skipped: neither hivexregedit (libwin-hivex-perl) nor regfexport/regfinfo (libregf-utils) is installed; scripts/setup-debian.sh installs them");
        byte[] original = HiveOracles.unxz("registry/regipy/BCD.xz", tmp);
        HiveEditor editor = HiveEditor.open(clean("BCD", original));
        editor.createKey(BCD_ENTRY, "25000080");
        editor.setValue(BCD_ENTRY + "\\25000080", "Element", HiveValue.REG_BINARY, new byte[8]);
        Path ours = Files.write(tmp.resolve("BCD.ours"), editor.finish());
        if (regedit) {
            String export = io.bootmedic.testutil.Tools.ok("hivexregedit", "--export", ours.toString(), "\\");
            assertTrue(export.contains("\\Elements\\25000080]"), export);
            assertTrue(export.contains("\"Element\"=hex") && export.contains("00,00,00,00,00,00,00,00"), "the element in hivexregedit's export");
        }
        if (libregf) {
            io.bootmedic.testutil.Tools.ok("regfinfo", ours.toString());
            String export = io.bootmedic.testutil.Tools.ok("regfexport", ours.toString());
            assertTrue(export.contains("25000080"), "the new key in regfexport's output");
        }
    }

    @Test
    void anEditAfterReplayKeepsTheLogsDataAndGoesAboveEveryLogEntry() throws Exception {
        byte[] primary = HiveOracles.unxz(LogReplayTest.NTUSER, tmp);
        byte[] log1 = HiveOracles.unxz(LogReplayTest.LOG1, tmp);
        byte[] log2 = HiveOracles.unxz(LogReplayTest.LOG2, tmp);
        RecoveredHive r = LogReplay.replay("NTUSER.DAT", primary,
                List.of(new LogReplay.LogFile("NTUSER.DAT.LOG1", log1), new LogReplay.LogFile("NTUSER.DAT.LOG2", log2)), false);
        HiveEditor editor = HiveEditor.open(r);
        editor.setValue(LogReplayTest.DESKTOP, "BootmedicCheck", HiveValue.REG_SZ, "yes\0".getBytes(StandardCharsets.UTF_16LE));
        byte[] edited = editor.finish();
        assertEquals(589, HiveOracles.u32(edited, 4), "above LOG1's last entry 588: Windows has nothing to replay over the edit");
        assertEquals(589, HiveOracles.u32(edited, 8));
        Path ours = Files.write(tmp.resolve("NTUSER.ours"), edited);
        assertEquals("2880", HiveOracles.hivexget(ours, LogReplayTest.DESKTOP, "MaxVirtualDesktopDimension"));
        assertEquals("yes", HiveOracles.hivexget(ours, LogReplayTest.DESKTOP, "BootmedicCheck"));

        // hivex on the primary alone: its edit lands and marks the hive clean, so the log's newest data is gone for good
        Path theirs = Files.write(tmp.resolve("NTUSER.hivex"), primary);
        HiveOracles.hivexsh(theirs, tmp, "add BootmedicCheck\ncommit\n");
        byte[] hivexed = Files.readAllBytes(theirs);
        assertEquals(HiveOracles.u32(hivexed, 4), HiveOracles.u32(hivexed, 8), "hivex leaves the hive clean: Windows will not replay LOG1");
        assertEquals("2048", HiveOracles.hivexget(theirs, LogReplayTest.DESKTOP, "MaxVirtualDesktopDimension"));
    }

    @Test
    void recoveryBcdEditedGoesAboveItsOldLogEntry() throws Exception {
        byte[] primary = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD");
        byte[] log = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD.LOG");
        RecoveredHive r = LogReplay.replay("BCD", primary, List.of(new LogReplay.LogFile("BCD.LOG", log)), false);
        HiveEditor editor = HiveEditor.open(r);
        editor.setValue("Description", "BootmedicCheck", HiveValue.REG_DWORD, new byte[] {1, 0, 0, 0});
        byte[] edited = editor.finish();
        assertEquals(7, HiveOracles.u32(edited, 4));
        assertEquals(7, HiveOracles.u32(edited, 8));
        assertEquals("1", HiveOracles.hivexget(Files.write(tmp.resolve("BCD"), edited), "Description", "BootmedicCheck"));
    }

    static byte[] multiSz(String... parts) {
        return (String.join("\0", parts) + "\0\0").getBytes(StandardCharsets.UTF_16LE);
    }

    private static String hivexLs(Path hive, String key) throws Exception {
        HiveOracles.require("hivexsh", "libhivex-bin");
        Path script = Files.writeString(hive.resolveSibling("ls-" + System.nanoTime()), "cd " + key + "\nls\n");
        return io.bootmedic.testutil.Tools.ok("hivexsh", "-f", script.toString(), hive.toString());
    }

    /** The same edit with hivexsh -w: setval replaces every value of the key, so all of them are given, in order. */
    private Path hivexEdit(byte[] original, String key, String name, int type, byte[] data) throws Exception {
        Path file = Files.write(tmp.resolve("hivex-" + System.nanoTime()), original);
        List<HiveValue> values = read(original).key(key).get().values();
        StringBuilder script = new StringBuilder("cd " + key + "\nsetval " + values.size() + "\n");
        for (HiveValue v : values) {
            boolean edited = v.name().equalsIgnoreCase(name);
            script.append(v.name().isEmpty() ? "@" : v.name()).append('\n').append(hex(edited ? type : v.type(), edited ? data : v.data()))
                    .append('\n');
        }
        script.append("commit\n");
        HiveOracles.hivexsh(file, tmp, script.toString());
        return file;
    }

    private static String hex(int type, byte[] data) {
        List<String> parts = new ArrayList<>();
        for (byte b : data) {
            parts.add(HexFormat.of().toHexDigits(b));
        }
        return "hex:" + type + ":" + String.join(",", parts);
    }
}
