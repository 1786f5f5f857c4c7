package io.bootmedic.registry.edit;

import io.bootmedic.boot.BcdChanges;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.Hive;
import io.bootmedic.util.ByteArrayChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The boot rules on Windows-made BCD stores: planned against {default}, written by the editor (a new key and value
 * in free cells, in the store's length), read back by hivex and libregf, and compared with the same edit made by
 * hivexsh on a clean copy. "off" deletes the element again.
 */
class BcdEditTest {
    static final String ENTRY = "{733b62e5-f608-11eb-825c-c112f60133ab}";
    static final String ELEMENTS = "\\Objects\\" + ENTRY + "\\Elements";
    static final RepairRule SAFE = new RepairRule.SafeMode("safe", null, "minimal");
    static final RepairRule NETWORK = new RepairRule.SafeMode("net", null, "network");
    static final RepairRule OFF = new RepairRule.SafeMode("off", null, "off");
    static final RepairRule IGNORE = new RepairRule.BootStatusPolicy("policy", null, "IgnoreAllFailures");

    @TempDir
    Path tmp;

    private static RecoveredHive clean(String name, byte[] bytes) throws IOException {
        return LogReplay.replay(name, bytes, List.of(), false);
    }

    private static byte[] edit(byte[] store, List<RepairRule> rules) throws IOException {
        RecoveredHive r = clean("BCD", store);
        BcdChanges.Plan plan = BcdChanges.plan("BCD", Hive.open(new ByteArrayChannel(r.bytes())), rules);
        return BcdChanges.apply(r, plan);
    }

    @Test
    void safeModeAndBootStatusPolicyOnWindows10sStoreAreReadBackByHivexAndLibregf() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/BCD.xz", tmp);
        RecoveredHive r = clean("BCD", original);
        BcdChanges.Plan plan = BcdChanges.plan("BCD", Hive.open(new ByteArrayChannel(r.bytes())), List.of(SAFE, IGNORE));
        assertEquals(ENTRY, plan.defaultEntry());
        assertEquals("Windows 10", plan.description());
        assertEquals(List.of("safeboot off", "bootstatuspolicy not set"), plan.changes().stream().map(BcdChanges.Change::was).toList());
        byte[] edited = BcdChanges.apply(r, plan);
        assertTrue(edited.length <= original.length, "the edit fits in the store's own free cells: " + edited.length + " > " + original.length);

        Path file = Files.write(tmp.resolve("edited-BCD"), edited);
        assertEquals("0000000000000000", element(file, ELEMENTS + "\\25000080"));
        assertEquals("0100000000000000", element(file, ELEMENTS + "\\250000e0"));
        // everything else as it was: the whole tree, but for the two new keys and the changed key times
        String before = HiveOracles.hivexml(Files.write(tmp.resolve("orig-BCD"), original));
        String after = HiveOracles.hivexml(file);
        assertEquals(strip(before), strip(after).replaceAll("<node name=\"25000080\".*?</node>", "").replaceAll("<node name=\"250000e0\".*?</node>", ""));
        if (HiveOracles.installed("regfexport")) {
            String out = io.bootmedic.testutil.Tools.ok("regfexport", file.toString());
            assertTrue(out.contains("25000080"), "libregf reads the new element: " + out.substring(0, Math.min(400, out.length())));
        }

        // the same edit by hivex's own writer on a clean copy gives the same values
        Path byHivex = Files.write(tmp.resolve("hivex-BCD"), original);
        HiveOracles.hivexsh(byHivex, tmp, "cd " + ELEMENTS + "\nadd 25000080\ncd 25000080\nsetval 1\nElement\nhex:3:00,00,00,00,00,00,00,00\n"
                + "cd ..\nadd 250000e0\ncd 250000e0\nsetval 1\nElement\nhex:3:01,00,00,00,00,00,00,00\ncommit\n");
        assertEquals(HiveOracles.hivexvalues(byHivex, ELEMENTS + "\\25000080"), HiveOracles.hivexvalues(file, ELEMENTS + "\\25000080"));
        assertEquals(HiveOracles.hivexvalues(byHivex, ELEMENTS + "\\250000e0"), HiveOracles.hivexvalues(file, ELEMENTS + "\\250000e0"));

        // off removes the element again; the policy stays
        byte[] off = edit(edited, List.of(OFF));
        Path offFile = Files.write(tmp.resolve("off-BCD"), off);
        assertEquals(strip(before), strip(HiveOracles.hivexml(offFile)).replaceAll("<node name=\"250000e0\".*?</node>", ""));
        // and a second run has nothing to do
        RecoveredHive again = clean("BCD", off);
        BcdChanges.Plan none = BcdChanges.plan("BCD", Hive.open(new ByteArrayChannel(again.bytes())), List.of(OFF, IGNORE));
        assertEquals(List.of(), none.changes());
        assertEquals(2, none.kept().size());
    }

    @Test
    void networkReplacesMinimalInPlace() throws Exception {
        byte[] minimal = edit(HiveOracles.unxz("registry/regipy/BCD.xz", tmp), List.of(SAFE));
        byte[] network = edit(minimal, List.of(NETWORK));
        Path file = Files.write(tmp.resolve("net-BCD"), network);
        assertEquals("0100000000000000", element(file, ELEMENTS + "\\25000080"));
    }

    @Test
    void winresStoreWithItsAlreadyAppliedLogIsEditedWithoutReplayingTheLog() throws Exception {
        byte[] primary = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD");
        byte[] log = HiveOracles.shared("registry/windows-bluepill/Recovery_BCD.LOG");
        RecoveredHive r = LogReplay.replay("Recovery BCD", primary, List.of(new LogReplay.LogFile("BCD.LOG", log)), false);
        assertArrayEquals(primary, r.bytes(), "a clean store: its stale log is not laid over it");
        Hive hive = Hive.open(new ByteArrayChannel(r.bytes()));
        BcdChanges.Plan plan = BcdChanges.plan("Recovery BCD", hive, List.of(SAFE));
        assertEquals("{8c03aa04-de17-11ec-b2fa-9f69513e91ec}", plan.defaultEntry());
        byte[] edited = BcdChanges.apply(r, plan);
        assertEquals(primary.length, Math.max(primary.length, edited.length), "fits in the store");
        Path file = Files.write(tmp.resolve("rec-BCD"), edited);
        assertEquals("0000000000000000", element(file, "\\Objects\\" + plan.defaultEntry() + "\\Elements\\25000080"));
        assertTrue(Le.u32(edited, BaseBlock.OFF_SEQ1, "x") > 6, "sequence above the log's (5) and the store's (6)");
    }

    @Test
    void aStoreWhoseDefaultIsNotAWindowsLoaderIsRefused() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/BCD.xz", tmp);
        // point {default} at the firmware boot manager object, which is not an OS loader
        Path file = Files.write(tmp.resolve("bad-BCD"), original);
        HiveOracles.hivexsh(file, tmp, "cd \\Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\\Elements\\23000003\nsetval 1\nElement\n"
                + "string:{733b62e3-f608-11eb-825c-c112f60133ab}\ncommit\n");
        RecoveredHive r = clean("BCD", Files.readAllBytes(file));
        IOException e = assertThrows(IOException.class, () -> BcdChanges.plan("BCD", Hive.open(new ByteArrayChannel(r.bytes())), List.of(SAFE)));
        assertTrue(e.getMessage().contains("not a Windows boot loader"), e.getMessage());
    }

    /**
     * Mutation sweep over Windows 10's store: every byte of the base block and every eighth byte of the bins flipped;
     * planning and editing either succeed, giving a store the reader opens with the element as planned, or refuse with
     * an IOException that has a message. Nothing else escapes (no RuntimeException, no hang).
     */
    @Test
    void everyMutatedStoreIsEditedCorrectlyOrRefusedInOneLine() throws Exception {
        byte[] original = HiveOracles.unxz("registry/regipy/BCD.xz", tmp);
        int edited = 0;
        int refused = 0;
        for (int at = 0; at < original.length; at += at < 4096 ? 1 : 8) {
            byte[] bad = original.clone();
            bad[at] ^= (byte) 0xFF;
            try {
                RecoveredHive r = LogReplay.replay("BCD", bad, List.of(), false);
                BcdChanges.Plan plan = BcdChanges.plan("BCD", Hive.open(new ByteArrayChannel(r.bytes())), List.of(SAFE, IGNORE));
                byte[] out = BcdChanges.apply(r, plan);
                Hive back = Hive.open(new ByteArrayChannel(out));
                assertTrue(back.key("Objects\\" + plan.defaultEntry() + "\\Elements\\25000080").isPresent(), "byte " + at);
                edited++;
            } catch (IOException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "byte " + at + ": " + e);
                refused++;
            }
        }
        assertTrue(edited > 0 && refused > 0, edited + " edited, " + refused + " refused");
    }

    /** The Element value's bytes in hex, as hivex prints the key (.reg style: "Element"=hex(3):00,00,...). */
    static String element(Path hive, String key) throws Exception {
        String values = HiveOracles.hivexvalues(hive, key);
        int at = values.indexOf("\"Element\"=hex(3):");
        assertTrue(at >= 0, key + " has no binary Element: " + values);
        return values.substring(at + 17).lines().findFirst().orElse("").replace(",", "").strip();
    }

    /** hivexml without key times and the root's (the editor stamps the keys it touches). */
    private static String strip(String xml) {
        return xml.replaceAll(" ?<mtime>[^<]*</mtime>", "").replaceAll("\\s+", " ");
    }
}
