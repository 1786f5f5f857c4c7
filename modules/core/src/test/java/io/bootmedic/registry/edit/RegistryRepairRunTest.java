package io.bootmedic.registry.edit;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.remediation.RemediationRun;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.Undo;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.testutil.TreeSnapshot;
import io.bootmedic.volumes.RootTarget;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry repair rules (issue 25) through the whole run on a mounted tree holding Windows 7's real SYSTEM hive: the
 * hive replaced by renames under the journal, read back by hivex (independent of our reader), undone byte for byte,
 * and finished by the next run after a crash at every point.
 */
class RegistryRepairRunTest {
    static final String SERVICE = "ControlSet001\\Services\\Beep";
    static final String DISK_CLASS = "ControlSet001\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}";
    static final String CRASH = "ControlSet001\\Control\\CrashControl";

    @TempDir
    Path root;
    @TempDir
    Path tmp;
    Path hive;
    byte[] original;

    @BeforeEach
    void tree() throws IOException {
        PracticeTree.create(root);
        hive = root.resolve("Windows/System32/config/SYSTEM");
        original = HiveOracles.unxz("registry/regipy/SYSTEM.xz", tmp);
        Files.write(hive, original);
        HiveOracles.require("hivexget", "libhivex-bin");
    }

    static Playbook playbook(String rules) throws io.bootmedic.playbook.PlaybookException {
        return PlaybookParser.parse(("{\"id\":\"reg-test\",\"title\":\"registry repair\",\"rules\":[" + rules + "]}").getBytes(StandardCharsets.UTF_8),
                "test");
    }

    static final String DISABLE_BEEP = "{\"id\":\"beep\",\"action\":\"disable-service\",\"service\":\"Beep\",\"start\":\"disabled\"}";
    static final String NO_AUTOREBOOT = "{\"id\":\"crash\",\"action\":\"set-registry\",\"hive\":\"SYSTEM\",\"key\":\"CurrentControlSet\\\\Control\\\\CrashControl\","
            + "\"value\":\"AutoReboot\",\"type\":\"REG_DWORD\",\"data\":0}";
    static final String ADD_FILTER = "{\"id\":\"add\",\"action\":\"set-registry\",\"hive\":\"SYSTEM\",\"key\":\"CurrentControlSet\\\\Control\\\\Class\\\\"
            + "{4d36e967-e325-11ce-bfc1-08002be10318}\",\"value\":\"UpperFilters\",\"type\":\"REG_MULTI_SZ\",\"data\":[\"PartMgr\",\"badflt\"]}";
    static final String REMOVE_FILTER = "{\"id\":\"filter\",\"action\":\"remove-filter\",\"classGuid\":\"{4D36E967-E325-11CE-BFC1-08002BE10318}\","
            + "\"list\":\"UpperFilters\",\"name\":\"BadFlt\"}";

    Report run(Playbook p, boolean dryRun, CrashPoint crash) throws IOException {
        RootTarget target = new RootTarget(root, RunMode.MOUNTED_ROOT);
        return new RemediationRun(p, new RunOptions(dryRun ? "scan" : "fix", dryRun), IdentityProbe.NONE, crash).run(target.mode(), target.open(),
                Report.Host.UNKNOWN);
    }

    static Report.Action action(Report r, String rule) {
        return r.volumes().get(0).actions().stream().filter(a -> a.rule().equals(rule)).findFirst().orElseThrow(() -> new AssertionError(rule + " in " + r));
    }

    String hivex(String key, String value) throws Exception {
        return HiveOracles.hivexget(hive, key, value);
    }

    @Test
    void aServiceIsDisabledAndAValueSetThroughCurrentControlSetAndHivexReadsThemBack() throws Exception {
        assertEquals("1", hivex(SERVICE, "Start"));
        assertEquals("1", hivex(CRASH, "AutoReboot"));
        Report r = run(playbook(DISABLE_BEEP + "," + NO_AUTOREBOOT), false, CrashPoint.NONE);
        assertEquals("fixed", r.outcome().wire(), r.toString());
        assertEquals("repaired", action(r, "beep").action().wire());
        assertEquals("1 -> 4", action(r, "beep").detail());
        assertEquals("1 -> 0", action(r, "crash").detail());
        assertTrue(action(r, "crash").path().contains("ControlSet001\\Control\\CrashControl\\AutoReboot"), action(r, "crash").path());
        assertEquals("4", hivex(SERVICE, "Start"));
        assertEquals("0", hivex(CRASH, "AutoReboot"));
        assertEquals("WKS-WIN732BITA", hivex("ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName"), "the rest as it was");
        // the old hive, byte for byte, in the quarantine; the edited one clean (sequence numbers equal)
        Path kept = root.resolve("bootmedic/quarantine/" + r.runId() + "/Windows/System32/config/SYSTEM");
        assertArrayEquals(original, Files.readAllBytes(kept));
        assertFalse(io.bootmedic.registry.Hive.open(new io.bootmedic.util.ByteArrayChannel(Files.readAllBytes(hive))).dirty());
        String journal = Files.readString(root.resolve("bootmedic/journal/" + r.runId() + ".json"));
        assertTrue(journal.replace(" ", "").contains("\"state\":\"committed\"") && journal.replace(" ", "").contains("\"kind\":\"install\""), journal);

        Report again = run(playbook(DISABLE_BEEP + "," + NO_AUTOREBOOT), false, CrashPoint.NONE);
        assertEquals("clean", again.outcome().wire(), "a second run finds nothing to change: " + again);
        assertEquals("kept", action(again, "beep").action().wire());
    }

    @Test
    void aFilterIsRemovedFromItsClassListCaseInsensitivelyAndTheOthersStay() throws Exception {
        run(playbook(ADD_FILTER), false, CrashPoint.NONE);
        assertEquals("PartMgr\nbadflt", hivex(DISK_CLASS, "UpperFilters").replace("\n\n", "\n").strip());
        Report r = run(playbook(REMOVE_FILTER), false, CrashPoint.NONE);
        assertEquals("repaired", action(r, "filter").action().wire(), r.toString());
        assertEquals("PartMgr,badflt -> PartMgr", action(r, "filter").detail());
        assertEquals("PartMgr", hivex(DISK_CLASS, "UpperFilters").strip());
    }

    @Test
    void aDryRunChangesNoByteAndSaysWhatItWouldDo() throws Exception {
        Map<String, String> before = TreeSnapshot.of(root);
        Report r = run(playbook(DISABLE_BEEP), true, CrashPoint.NONE);
        assertEquals("needs-fix", r.outcome().wire());
        assertEquals("would-repair", action(r, "beep").action().wire());
        assertEquals("1 -> 4", action(r, "beep").detail());
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void undoPutsTheHiveBackByteForByteUnlessWindowsHasWrittenItSince() throws Exception {
        Report r = run(playbook(DISABLE_BEEP), false, CrashPoint.NONE);
        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(r.runId());
        assertTrue(undo.ok(), undo.toString());
        assertArrayEquals(original, Files.readAllBytes(hive));
        assertEquals("1", hivex(SERVICE, "Start"));

        // a second repair, then Windows boots and writes its hive: undo must not throw that away
        Report second = run(playbook(DISABLE_BEEP), false, CrashPoint.NONE);
        byte[] used = Files.readAllBytes(hive);
        used[used.length - 1] ^= 1;
        Files.write(hive, used);
        Undo.Result refused = new Undo(new LocalFileTree(root)).undo(second.runId());
        assertFalse(refused.ok());
        assertTrue(refused.files().get(1).detail().contains("changed since bootmedic put it there"), refused.toString());
        assertArrayEquals(used, Files.readAllBytes(hive), "nothing changed");
    }

    @ParameterizedTest
    @ValueSource(strings = {CrashPoint.AFTER_INTENT, CrashPoint.AFTER_MOVE, CrashPoint.BEFORE_COMMIT})
    void aRunCutAtAnyPointIsFinishedByTheNextOne(String point) throws Exception {
        class Cut extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }
        assertThrows(Cut.class, () -> run(playbook(DISABLE_BEEP), false, p -> {
            if (p.equals(point)) {
                throw new Cut();
            }
        }));
        Report next = run(playbook(DISABLE_BEEP), false, CrashPoint.NONE);
        assertFalse(next.outcome().wire().equals("failed"), next.toString());
        assertEquals("4", hivex(SERVICE, "Start"), "after a cut at " + point);
        assertTrue(Files.list(root.resolve("bootmedic/journal")).allMatch(j -> {
            try {
                return Files.readString(j).replace(" ", "").contains("\"state\":\"committed\"");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), "every journal committed after a cut at " + point);
    }

    @Test
    void aWhenThatDoesNotHoldAndActionsThatNeedWindowsChangeNothing() throws Exception {
        Map<String, String> before = TreeSnapshot.of(root);
        String guarded = "{\"id\":\"guarded\",\"action\":\"disable-service\",\"service\":\"Beep\",\"start\":\"disabled\","
                + "\"when\":{\"file\":\"Windows/System32/drivers/beep.sys\",\"exists\":true}}";
        String dism = "{\"id\":\"dism\",\"action\":\"revert-pending-updates\"}";
        String safe = "{\"id\":\"safe\",\"action\":\"safe-mode\",\"mode\":\"minimal\"}";
        Report r = run(playbook(guarded + "," + dism + "," + safe), false, CrashPoint.NONE);
        assertEquals("kept", action(r, "guarded").action().wire());
        assertEquals("not-needed", action(r, "guarded").verdict());
        assertEquals("not-done-here", action(r, "dism").action().wire());
        assertTrue(action(r, "dism").error().contains("needs Windows"), action(r, "dism").error());
        assertEquals("not-done-here", action(r, "safe").action().wire());
        assertEquals("needs-fix", r.outcome().wire(), "work remains that this route cannot do");
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void aHiveWhoseLogsCannotBeTrustedIsRefusedWithNothingChanged() throws Exception {
        // the primary marked dirty (sequence numbers apart) with no log to replay: refused, not guessed
        byte[] dirty = original.clone();
        dirty[4] ^= 1;
        Files.write(hive, dirty);
        Map<String, String> before = TreeSnapshot.of(root);
        Report r = run(playbook(DISABLE_BEEP), false, CrashPoint.NONE);
        assertEquals("failed", action(r, "beep").action().wire());
        assertTrue(action(r, "beep").error().contains("nothing was changed"), action(r, "beep").error());
        assertEquals(before, TreeSnapshot.of(root));
    }
}
