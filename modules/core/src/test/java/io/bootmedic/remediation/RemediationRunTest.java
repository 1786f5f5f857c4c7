package io.bootmedic.remediation;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.practice.PracticeTree;
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
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine on real temporary trees, including runs cut short in the middle. */
class RemediationRunTest {
    @TempDir
    Path root;
    Path cs;

    @BeforeEach
    void tree() throws IOException {
        PracticeTree.create(root);
        cs = root.resolve(PracticeTree.CROWDSTRIKE_DIR);
    }

    private Report run(boolean dryRun, CrashPoint crash) throws IOException {
        RootTarget target = new RootTarget(root, RunMode.MOUNTED_ROOT);
        RemediationRun run = new RemediationRun(PlaybookLoader.builtin(), new RunOptions(dryRun ? "scan" : "fix", dryRun), IdentityProbe.NONE, crash);
        return run.run(target.mode(), target.open(), Report.Host.UNKNOWN);
    }

    private static Report.Action action(Report r, String fileName) {
        return r.volumes().get(0).actions().stream().filter(a -> a.path().endsWith(fileName)).findFirst().orElseThrow();
    }

    @Test
    void quarantinesOnlyTheFaultyFileAndKeepsTheOthersWithVerdicts() throws IOException {
        String faultySha = TreeSnapshot.sha256(cs.resolve(PracticeTree.FAULTY));
        Map<String, String> before = TreeSnapshot.of(cs);

        Report r = run(false, CrashPoint.NONE);

        assertEquals("fixed", r.outcome().wire());
        Report.Action faulty = action(r, PracticeTree.FAULTY);
        assertEquals("faulty", faulty.verdict());
        assertEquals("quarantined", faulty.action().wire());
        assertEquals(faultySha, faulty.sha256());
        assertEquals(40_960, faulty.size());
        assertEquals("2024-07-19T04:09:00Z", faulty.modified());
        assertFalse(Files.exists(cs.resolve(PracticeTree.FAULTY)));
        Path quarantined = root.resolve(faulty.quarantinePath());
        assertTrue(quarantined.startsWith(root.resolve("bootmedic/quarantine/" + r.runId())));
        assertEquals(faultySha, TreeSnapshot.sha256(quarantined));

        assertEquals("reverted-good", action(r, PracticeTree.REVERTED).verdict());
        assertEquals("kept", action(r, PracticeTree.REVERTED).action().wire());
        assertEquals("not-a-channel-file", action(r, PracticeTree.ZERO_FILLED).verdict());
        assertEquals("kept", action(r, PracticeTree.ZERO_FILLED).action().wire());
        // the other channel file is not matched by the glob and must not be touched at all
        Map<String, String> after = TreeSnapshot.of(cs);
        before.remove(PracticeTree.FAULTY);
        assertEquals(before, after);
    }

    @Test
    void dryRunChangesNothingAndSecondRunIsClean() throws IOException {
        Map<String, String> before = TreeSnapshot.of(root);
        Report dry = run(true, CrashPoint.NONE);
        assertEquals("needs-fix", dry.outcome().wire());
        assertEquals(1, dry.outcome().exitCode());
        assertEquals("would-quarantine", action(dry, PracticeTree.FAULTY).action().wire());
        assertEquals(before, TreeSnapshot.of(root));

        assertEquals("fixed", run(false, CrashPoint.NONE).outcome().wire());
        Report second = run(false, CrashPoint.NONE);
        assertEquals("clean", second.outcome().wire());
        assertEquals(0, second.outcome().exitCode());
    }

    @Test
    void undoRestoresBytesAndTimes() throws IOException {
        Path faulty = cs.resolve(PracticeTree.FAULTY);
        String sha = TreeSnapshot.sha256(faulty);
        BasicFileAttributes before = Files.readAttributes(faulty, BasicFileAttributes.class);
        Report r = run(false, CrashPoint.NONE);

        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(null);

        assertTrue(undo.ok(), undo.toString());
        assertEquals(r.runId(), undo.runId());
        // times first: hashing reads the file, which may bump its access time
        BasicFileAttributes after = Files.readAttributes(faulty, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals(sha, TreeSnapshot.sha256(faulty));
        assertEquals(before.lastModifiedTime(), after.lastModifiedTime());
        assertEquals(before.lastAccessTime(), after.lastAccessTime());
        assertEquals(PracticeTree.FAULTY_TIME, after.lastModifiedTime().toInstant());
        assertFalse(Files.exists(root.resolve(action(r, PracticeTree.FAULTY).quarantinePath())));
        // and the undone run is not undone twice
        assertEquals(null, new Undo(new LocalFileTree(root)).undo(null).runId());
    }

    @Test
    void undoNeverOverwritesAFileThatCameBack() throws IOException {
        Report r = run(false, CrashPoint.NONE);
        Files.writeString(cs.resolve(PracticeTree.FAULTY), "a new file written later");
        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(r.runId());
        assertFalse(undo.ok());
        assertEquals("kept-in-quarantine", undo.files().get(0).outcome());
        assertEquals("a new file written later", Files.readString(cs.resolve(PracticeTree.FAULTY)));
        assertTrue(Files.exists(root.resolve(action(r, PracticeTree.FAULTY).quarantinePath())));
    }

    static class PowerCut extends RuntimeException {
    }

    @ParameterizedTest
    @ValueSource(strings = {CrashPoint.AFTER_INTENT, CrashPoint.AFTER_MOVE, CrashPoint.BEFORE_COMMIT})
    void aRunCutShortIsCompletedByTheNextRun(String point) throws IOException {
        String sha = TreeSnapshot.sha256(cs.resolve(PracticeTree.FAULTY));
        assertThrows(PowerCut.class, () -> run(false, p -> {
            if (p.equals(point)) {
                throw new PowerCut();
            }
        }));
        List<Journal> interrupted = new JournalStore(new LocalFileTree(root)).interrupted();
        assertEquals(1, interrupted.size(), "the journal was written before anything changed");
        String firstRun = interrupted.get(0).runId();

        Report next = run(false, CrashPoint.NONE);

        assertEquals("fixed", next.outcome().wire(), next.toString());
        assertFalse(Files.exists(cs.resolve(PracticeTree.FAULTY)));
        Path quarantined = root.resolve("bootmedic/quarantine/" + firstRun + "/" + PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY);
        assertEquals(sha, TreeSnapshot.sha256(quarantined), "nothing lost");
        assertTrue(new JournalStore(new LocalFileTree(root)).interrupted().isEmpty());
        assertEquals(Journal.COMMITTED, new JournalStore(new LocalFileTree(root)).all().get(0).state());
        assertTrue(next.volumes().get(0).notes().get(0).contains(firstRun));
    }

    @ParameterizedTest
    @ValueSource(strings = {CrashPoint.AFTER_INTENT, CrashPoint.AFTER_MOVE})
    void aRunCutShortCanBeRolledBackInstead(String point) throws IOException {
        Map<String, String> before = TreeSnapshot.of(cs);
        assertThrows(PowerCut.class, () -> run(false, p -> {
            if (p.equals(point)) {
                throw new PowerCut();
            }
        }));
        Undo.Result undo = new Undo(new LocalFileTree(root)).undo(null);
        assertTrue(undo.ok(), undo.toString());
        assertEquals(before, TreeSnapshot.of(cs));
    }

    @Test
    void dryRunReportsAnInterruptedRunWithoutTouchingIt() throws IOException {
        assertThrows(PowerCut.class, () -> run(false, p -> {
            if (p.equals(CrashPoint.AFTER_MOVE)) {
                throw new PowerCut();
            }
        }));
        Map<String, String> before = TreeSnapshot.of(root);
        Report dry = run(true, CrashPoint.NONE);
        assertEquals("needs-fix", dry.outcome().wire());
        assertTrue(dry.volumes().get(0).notes().get(0).contains("interrupted"));
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void findsTheFolderWhateverTheCaseOfItsName() throws IOException {
        Path lower = root.resolve("Windows/System32/drivers/crowdstrike");
        Files.move(cs, lower);
        Report r = run(false, CrashPoint.NONE);
        assertEquals("fixed", r.outcome().wire());
        assertFalse(Files.exists(lower.resolve(PracticeTree.FAULTY)));
        assertTrue(action(r, PracticeTree.FAULTY).path().startsWith("Windows/System32/drivers/crowdstrike/"));
    }

    @Test
    void refusesASymlinkedCrowdStrikeFolderAndTouchesNothing() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolveSibling(root.getFileName() + "-elsewhere"));
        Files.move(cs, elsewhere.resolve("CrowdStrike"));
        Files.createSymbolicLink(cs, elsewhere.resolve("CrowdStrike"));
        Map<String, String> outside = TreeSnapshot.of(elsewhere);

        Report r = run(false, CrashPoint.NONE);

        assertEquals("failed", r.outcome().wire());
        assertEquals(1, r.outcome().exitCode());
        String error = r.volumes().get(0).error();
        assertNotNull(error);
        assertTrue(error.contains("refusing to follow") && error.contains("CrowdStrike"), error);
        assertEquals(outside, TreeSnapshot.of(elsewhere));
        assertFalse(Files.exists(root.resolve("bootmedic/quarantine")));
    }

    @Test
    void aSymlinkNamedLikeAChannelFileIsOutOfScope() throws IOException {
        Path target = Files.writeString(root.resolve("Users/Public/important.txt"), "do not move me");
        Files.createSymbolicLink(cs.resolve("C-00000291-00000000-00000099.sys"), target);
        Report r = run(false, CrashPoint.NONE);
        Report.Action link = action(r, "C-00000291-00000000-00000099.sys");
        assertEquals("out-of-scope", link.verdict());
        assertEquals("kept", link.action().wire());
        assertTrue(Files.isSymbolicLink(cs.resolve("C-00000291-00000000-00000099.sys")));
        assertEquals("do not move me", Files.readString(target));
    }

    @Test
    void aTreeWithoutWindowsIsNoWindows() throws IOException {
        Path empty = Files.createDirectories(root.resolveSibling(root.getFileName() + "-empty"));
        RootTarget target = new RootTarget(empty, RunMode.MOUNTED_ROOT);
        Report r = new RemediationRun(PlaybookLoader.builtin(), new RunOptions("fix", false), IdentityProbe.NONE, CrashPoint.NONE)
                .run(target.mode(), target.open(), Report.Host.UNKNOWN);
        assertEquals("no-windows", r.outcome().wire());
        assertEquals(4, r.outcome().exitCode());
        assertTrue(r.volumes().isEmpty());
    }
}
