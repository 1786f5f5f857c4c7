package io.bootmedic.osrepair;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.remediation.RemediationRun;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.Undo;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.testutil.SharedData;
import io.bootmedic.testutil.TreeSnapshot;
import io.bootmedic.util.ByteArrayChannel;
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
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry rules on the Windows route, through the whole run, on Windows 7's real SYSTEM hive: the registry API (a
 * strict fake over the real file) loads a copy, bootmedic's reader checks what it wrote, the journalled renames put it
 * in place with the log it changed, and undo restores hive and log byte for byte. Nothing here runs on Windows.
 */
class OsRegistryRepairTest {
    static final String SERVICE = "ControlSet001\\Services\\Beep";
    static final String CRASH = "ControlSet001\\Control\\CrashControl";
    static final String DISABLE_BEEP = "{\"id\":\"beep\",\"action\":\"disable-service\",\"service\":\"Beep\",\"start\":\"disabled\"}";
    static final String NO_AUTOREBOOT = "{\"id\":\"crash\",\"action\":\"set-registry\",\"hive\":\"SYSTEM\",\"key\":\"CurrentControlSet\\\\Control\\\\CrashControl\","
            + "\"value\":\"AutoReboot\",\"type\":\"REG_DWORD\",\"data\":0}";
    static final String ADD_FILTER = "{\"id\":\"add\",\"action\":\"set-registry\",\"hive\":\"SYSTEM\",\"key\":\"CurrentControlSet\\\\Control\\\\Class\\\\"
            + "{4d36e967-e325-11ce-bfc1-08002be10318}\",\"value\":\"UpperFilters\",\"type\":\"REG_MULTI_SZ\",\"data\":[\"PartMgr\",\"badflt\"]}";
    static final String REMOVE_FILTER = "{\"id\":\"filter\",\"action\":\"remove-filter\",\"classGuid\":\"{4D36E967-E325-11CE-BFC1-08002BE10318}\","
            + "\"list\":\"UpperFilters\",\"name\":\"BadFlt\"}";

    @TempDir
    Path root;
    @TempDir
    Path tmp;
    Path hive;
    Path log1;
    byte[] original;
    byte[] originalLog;
    final FakeRegistryApi api = new FakeRegistryApi();
    /** No DISM or bcdedit here: any call fails the test. */
    final CommandRunner noTools = (cmd, timeout) -> {
        throw new AssertionError("no tool should run for registry rules: " + cmd);
    };

    @BeforeEach
    void tree() throws IOException {
        PracticeTree.create(root);
        hive = root.resolve("Windows/System32/config/SYSTEM");
        log1 = root.resolve("Windows/System32/config/SYSTEM.LOG1");
        original = Files.readAllBytes(SharedData.unxz("registry/regipy/SYSTEM.xz", tmp));
        Files.write(hive, original);
        // a log beside a clean hive: Windows ignores its content, and resets it after a flush (the fake cuts it)
        originalLog = new byte[8192];
        Arrays.fill(originalLog, (byte) 0x5A);
        Files.write(log1, originalLog);
    }

    static Playbook playbook(String rules) throws PlaybookException {
        return PlaybookParser.parse(("{\"id\":\"os-reg\",\"title\":\"registry through Windows\",\"rules\":[" + rules + "]}")
                .getBytes(StandardCharsets.UTF_8), "test");
    }

    Report run(Playbook p, boolean dryRun, Path running) throws IOException {
        return run(p, dryRun, running, CrashPoint.NONE);
    }

    Report run(Playbook p, boolean dryRun, Path running, CrashPoint crash) throws IOException {
        RootTarget target = new RootTarget(root, RunMode.WINPE);
        return new RemediationRun(p, new RunOptions(dryRun ? "scan" : "fix", dryRun), IdentityProbe.NONE, crash)
                .repairs(new OsRepairs(api, noTools, () -> {
                    throw new AssertionError("no boot configuration is looked for");
                }, running)).run(target.mode(), target.open(), Report.Host.UNKNOWN);
    }

    Report run(Playbook p, boolean dryRun) throws IOException {
        return run(p, dryRun, null);
    }

    static Report.Action action(Report r, String rule) {
        return r.volumes().get(0).actions().stream().filter(a -> a.rule().equals(rule)).findFirst().orElseThrow(() -> new AssertionError(rule + " in " + r));
    }

    /** bootmedic's reader on the live hive file (the fake API does not read it after the run). */
    String value(String key, String name) throws IOException {
        HiveValue v = Hive.open(new ByteArrayChannel(Files.readAllBytes(hive))).key(key).orElseThrow().value(name).orElseThrow();
        return v.type() == HiveValue.REG_MULTI_SZ ? String.join(",", v.asStrings()) : Long.toString(v.asLong());
    }

    /** The tree without bootmedic's own folder. */
    Map<String, String> volume() throws IOException {
        Map<String, String> all = new TreeMap<>(TreeSnapshot.of(root));
        all.keySet().removeIf(k -> k.startsWith("bootmedic"));
        return all;
    }

    @Test
    void valuesAreWrittenThroughTheApiOnACopyAndTheCopyAndItsLogReplaceTheOriginalsUnderTheJournal() throws Exception {
        assertEquals("1", value(SERVICE, "Start"));
        Report r = run(playbook(DISABLE_BEEP + "," + NO_AUTOREBOOT), false);
        assertEquals("fixed", r.outcome().wire(), r.toString());
        assertEquals("repaired", action(r, "beep").action().wire());
        assertEquals("1 -> 4 (ControlSet001), written by Windows' registry API", action(r, "beep").detail());
        assertEquals("1 -> 0 (ControlSet001), written by Windows' registry API", action(r, "crash").detail());
        assertEquals("4", value(SERVICE, "Start"));
        assertEquals("0", value(CRASH, "AutoReboot"));
        assertFalse(Hive.open(new ByteArrayChannel(Files.readAllBytes(hive))).dirty(), "the hive Windows flushed is clean");
        // the API saw only the copy, one load, the writes, a flush, then the unload
        String copy = "bootmedic-" + r.runId().substring(0, 8) + "-SYSTEM";
        assertEquals("[load " + copy + ", set " + SERVICE + "\\Start, set " + CRASH + "\\AutoReboot, flush, unload " + copy + "]", api.calls.toString());
        assertTrue(api.loaded.isEmpty(), "unloaded");
        // the originals in the quarantine byte for byte; the log Windows reset is the live one now
        Path q = root.resolve("bootmedic/quarantine/" + r.runId() + "/Windows/System32/config");
        assertArrayEquals(original, Files.readAllBytes(q.resolve("SYSTEM")));
        assertArrayEquals(originalLog, Files.readAllBytes(q.resolve("SYSTEM.LOG1")));
        assertEquals(4096, Files.size(log1));
        assertFalse(Files.exists(root.resolve("bootmedic/os-work")), "the copies are gone");
        String journal = Files.readString(root.resolve("bootmedic/journal/" + r.runId() + ".json")).replace(" ", "");
        // four entries: the hive and its log, each quarantined then installed, every one verified
        assertTrue(journal.contains("\"state\":\"committed\"") && journal.split("\"state\":\"verified\"", -1).length == 5
                && journal.split("\"path\":\"Windows/System32/config/SYSTEM.LOG1\"", -1).length == 3, journal);

        Report again = run(playbook(DISABLE_BEEP), false);
        assertEquals("clean", again.outcome().wire(), again.toString());
        assertEquals("kept", action(again, "beep").action().wire());

        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(again.runId().equals(r.runId()) ? null : r.runId());
        assertTrue(undo.ok(), undo.toString());
        assertArrayEquals(original, Files.readAllBytes(hive));
        assertArrayEquals(originalLog, Files.readAllBytes(log1));
    }

    @Test
    void aFilterIsRemovedCaseInsensitivelyAndTheOthersStay() throws Exception {
        run(playbook(ADD_FILTER), false);
        String disk = "ControlSet001\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}";
        assertEquals("PartMgr,badflt", value(disk, "UpperFilters"));
        Report r = run(playbook(REMOVE_FILTER), false);
        assertEquals("repaired", action(r, "filter").action().wire(), r.toString());
        assertTrue(action(r, "filter").detail().startsWith("PartMgr,badflt -> PartMgr"), action(r, "filter").detail());
        assertEquals("PartMgr", value(disk, "UpperFilters"));
    }

    @Test
    void aDryRunAsksNothingOfWindowsAndWritesNothing() throws Exception {
        Map<String, String> before = TreeSnapshot.of(root);
        Report r = run(playbook(DISABLE_BEEP + "," + NO_AUTOREBOOT), true);
        assertEquals("would-repair", action(r, "beep").action().wire(), r.toString());
        assertEquals("1 -> 4 (ControlSet001)", action(r, "beep").detail());
        assertEquals(before, TreeSnapshot.of(root));
        assertEquals("[]", api.calls.toString(), "not even a copy loaded");
    }

    @ParameterizedTest
    @ValueSource(strings = {"load", "set", "flush", "close"})
    void whenWindowsRefusesAnyStepNothingIsReplacedAndTheHiveIsUnloaded(String step) throws Exception {
        api.failOn = step;
        Map<String, String> before = volume();
        Report r = run(playbook(DISABLE_BEEP), false);
        assertEquals("failed", action(r, "beep").action().wire(), r.toString());
        assertTrue(action(r, "beep").error().contains("Access is denied. (error 5)") && action(r, "beep").error().endsWith("nothing was changed"),
                action(r, "beep").error());
        assertEquals(before, volume());
        assertFalse(Files.exists(root.resolve("bootmedic")), "no journal, no quarantine, no copy: " + TreeSnapshot.of(root).keySet());
        assertTrue(api.loaded.isEmpty(), "unloaded after a refusal at " + step);
    }

    @Test
    void whatWindowsWroteIsReadBackByBootmedicsReaderAndADifferenceRefusesTheSwap() throws Exception {
        api.corruptWith = new byte[] {7, 0, 0, 0};
        Map<String, String> before = volume();
        Report r = run(playbook(DISABLE_BEEP), false);
        assertEquals("failed", action(r, "beep").action().wire(), r.toString());
        assertTrue(action(r, "beep").error().contains("does not find " + SERVICE + "\\Start in it as written"), action(r, "beep").error());
        assertEquals(before, volume());
        assertArrayEquals(original, Files.readAllBytes(hive));
    }

    /** A cut at the n-th crash point of the run: the hive's intent, move, commit, then the log's. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void aRunCutAnywhereInTheSwapsIsFinishedByTheNextAndUndoneByteForByte(int cutAt) throws Exception {
        class Cut extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }
        int[] reached = {0};
        org.junit.jupiter.api.Assertions.assertThrows(Cut.class, () -> run(playbook(DISABLE_BEEP), false, null, point -> {
            if (++reached[0] == cutAt) {
                throw new Cut();
            }
        }));
        Report next = run(playbook(DISABLE_BEEP), false);
        assertFalse(next.outcome().wire().equals("failed"), next.toString());
        assertEquals("4", value(SERVICE, "Start"), "after a cut at crash point " + cutAt);
        Path journals = root.resolve("bootmedic/journal");
        try (var list = Files.list(journals)) {
            for (Path j : list.toList()) {
                assertTrue(Files.readString(j).replace(" ", "").contains("\"state\":\"committed\""), Files.readString(j));
            }
        }
        String cutRun;
        try (var list = Files.list(journals)) {
            cutRun = list.map(j -> j.getFileName().toString().replace(".json", "")).filter(id -> !id.equals(next.runId())).findFirst().orElseThrow();
        }
        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(cutRun);
        assertTrue(undo.ok(), undo.toString());
        assertArrayEquals(original, Files.readAllBytes(hive));
        assertArrayEquals(originalLog, Files.readAllBytes(log1));
    }

    @Test
    void aRuleNamingAMissingKeyFailsAloneAndTheOthersAreApplied() throws Exception {
        String missing = "{\"id\":\"missing\",\"action\":\"set-registry\",\"hive\":\"SYSTEM\",\"key\":\"CurrentControlSet\\\\Control\\\\NoSuchKey\","
                + "\"value\":\"X\",\"type\":\"REG_DWORD\",\"data\":1}";
        Report r = run(playbook(missing + "," + DISABLE_BEEP), false);
        assertEquals("failed", action(r, "missing").action().wire());
        assertTrue(action(r, "missing").error().contains("ControlSet001\\Control\\NoSuchKey does not exist"), action(r, "missing").error());
        assertEquals("repaired", action(r, "beep").action().wire());
        assertEquals("4", value(SERVICE, "Start"));
    }

    @Test
    void aDirtyHiveIsLoadedWithItsLogsAndAllThreeFilesAreKeptForUndo() throws Exception {
        // Windows' dirty NTUSER (567/566, the newest data only in LOG1) standing in for a SOFTWARE hive
        Path config = root.resolve("Windows/System32/config");
        byte[] primary = Files.readAllBytes(SharedData.unxz("registry/regipy/transactions_NTUSER.DAT.xz", tmp));
        byte[] l1 = Files.readAllBytes(SharedData.unxz("registry/regipy/transactions_ntuser.dat.log1.xz", tmp));
        byte[] l2 = Files.readAllBytes(SharedData.unxz("registry/regipy/transactions_ntuser.dat.log2.xz", tmp));
        Files.write(config.resolve("SOFTWARE"), primary);
        Files.write(config.resolve("SOFTWARE.LOG1"), l1);
        Files.write(config.resolve("SOFTWARE.LOG2"), l2);
        String rule = "{\"id\":\"desk\",\"action\":\"set-registry\",\"hive\":\"SOFTWARE\",\"key\":\"Control Panel\\\\Desktop\","
                + "\"value\":\"MaxVirtualDesktopDimension\",\"type\":\"REG_DWORD\",\"data\":1024}";
        Report dry = run(playbook(rule), true);
        assertEquals("2880 -> 1024", action(dry, "desk").detail(), "the dry run's reader replays the log too: " + dry);
        Report r = run(playbook(rule), false);
        assertEquals("repaired", action(r, "desk").action().wire(), r.toString());
        assertEquals("2880 -> 1024, written by Windows' registry API", action(r, "desk").detail());
        Path q = root.resolve("bootmedic/quarantine/" + r.runId() + "/Windows/System32/config");
        assertArrayEquals(primary, Files.readAllBytes(q.resolve("SOFTWARE")));
        assertArrayEquals(l1, Files.readAllBytes(q.resolve("SOFTWARE.LOG1")));
        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(r.runId());
        assertTrue(undo.ok(), undo.toString());
        assertArrayEquals(primary, Files.readAllBytes(config.resolve("SOFTWARE")));
        assertArrayEquals(l1, Files.readAllBytes(config.resolve("SOFTWARE.LOG1")));
        assertArrayEquals(l2, Files.readAllBytes(config.resolve("SOFTWARE.LOG2")));
    }
}
