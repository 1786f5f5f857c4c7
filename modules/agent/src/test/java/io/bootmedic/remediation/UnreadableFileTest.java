package io.bootmedic.remediation;

import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Issue 21 #5: a file (or folder) the agent cannot read is reported with the reason in words,
 * "permission denied", not only its path. Root reads a chmod-000 file anyway, so the refusal is
 * made where the engine meets the volume, the FileTree seam, exactly as the JDK raises it; the
 * chmod test runs too where the tests do not run as root.
 */
class UnreadableFileTest {
    @TempDir
    Path root;
    Path faulty;

    @BeforeEach
    void tree() throws IOException {
        PracticeTree.create(root);
        faulty = root.resolve(PracticeTree.CROWDSTRIKE_DIR).resolve(PracticeTree.FAULTY);
    }

    /** The local tree, except that the JDK's AccessDeniedException (its message is only the path) is raised for the names given. */
    static final class Denying implements FileTree {
        final LocalFileTree local;
        final Path root;
        final Set<String> deniedReads;
        final Set<String> deniedLists;

        Denying(Path root, Set<String> deniedReads, Set<String> deniedLists) {
            this.local = new LocalFileTree(root);
            this.root = root;
            this.deniedReads = deniedReads;
            this.deniedLists = deniedLists;
        }

        @Override
        public String describe() {
            return local.describe();
        }

        @Override
        public Optional<FileStat> stat(RelPath path) throws IOException {
            return local.stat(path);
        }

        @Override
        public List<FileStat> list(RelPath dir) throws IOException {
            if (deniedLists.contains(dir.name())) {
                throw new AccessDeniedException(root.resolve(dir.toString()).toString());
            }
            return local.list(dir);
        }

        @Override
        public SeekableByteChannel openRead(RelPath file) throws IOException {
            if (deniedReads.contains(file.name())) {
                throw new AccessDeniedException(root.resolve(file.toString()).toString());
            }
            return local.openRead(file);
        }

        @Override
        public void createDirectory(RelPath dir) throws IOException {
            local.createDirectory(dir);
        }

        @Override
        public void move(RelPath from, RelPath to) throws IOException {
            local.move(from, to);
        }

        @Override
        public void writeDurably(RelPath file, byte[] content) throws IOException {
            local.writeDurably(file, content);
        }

        @Override
        public void setTimes(RelPath path, FileTimes times) throws IOException {
            local.setTimes(path, times);
        }

        @Override
        public boolean isReadOnly() {
            return local.isReadOnly();
        }
    }

    private Report run(FileTree tree, boolean dryRun) throws IOException {
        RemediationRun run = new RemediationRun(PlaybookLoader.builtin(), new RunOptions(dryRun ? "scan" : "fix", dryRun), IdentityProbe.NONE,
                CrashPoint.NONE);
        return run.run(RunMode.MOUNTED_ROOT, List.of(new OpenedVolume(tree, root.toString(), "c", "local", Report.BitLocker.NONE, "n/a", null)),
                Report.Host.UNKNOWN);
    }

    @Test
    void aFaultyFileThatCannotBeReadIsReportedWithTheReasonAndNothingMoves() throws IOException {
        Map<String, String> before = TreeSnapshot.of(root);
        Report r = run(new Denying(root, Set.of(PracticeTree.FAULTY), Set.of()), false);

        String error = r.volumes().get(0).error();
        assertEquals("failed", r.outcome().wire());
        assertTrue(error.startsWith("cannot read " + PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY + " on " + root + ": permission denied"),
                error);
        assertTrue(error.contains("run bootmedic as Administrator or root"), error);
        assertFalse(error.contains("Exception"), error);
        assertEquals(before, TreeSnapshot.of(root), "nothing is moved when a match cannot be read");
    }

    @Test
    void aFolderThatCannotBeListedIsReportedWithTheReason() throws IOException {
        Report r = run(new Denying(root, Set.of(), Set.of("CrowdStrike")), true);
        String error = r.volumes().get(0).error();
        assertEquals(root.resolve(PracticeTree.CROWDSTRIKE_DIR) + ": permission denied", error);
    }

    @Test
    void aChmod000FileOnARealMountIsReportedWithTheReason() throws IOException {
        Files.setPosixFilePermissions(faulty, PosixFilePermissions.fromString("---------"));
        try {
            assumeFalse(Files.isReadable(faulty), "running as root, which reads a chmod-000 file; the seam tests above cover it");
            Cli run = Cli.run("scan", "--root", root.toString());
            assertEquals(1, run.exit, run.toString());
            assertTrue(run.out.contains(PracticeTree.FAULTY + " on " + root + ": permission denied"), run.toString());
        } finally {
            Files.setPosixFilePermissions(faulty, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
