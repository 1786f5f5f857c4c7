package io.bootmedic.image;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --device} on a real Linux block device, as a cloud rescue VM sees an attached OS disk:
 * a GPT practice disk behind a loop device, repaired, then checked with ntfs-3g's own tools.
 * Needs root (losetup); skipped with a message otherwise.
 */
class LoopDeviceTest {
    private static final String FAULTY = PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY;

    @TempDir
    Path tmp;
    String loop;

    @AfterEach
    void detach() throws Exception {
        if (loop != null) {
            Tools.run(List.of("losetup", "-d", loop));
        }
    }

    @Test
    void fixAndUndoOnABlockDevice() throws Exception {
        Path disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        String before = Tools.ntfscatSha(Tools.partition(disk, 3, tmp.resolve("before.ntfs")), FAULTY);

        Tools.Result attach = Tools.run(List.of("losetup", "-f", "--show", disk.toString()));
        Assumptions.assumeTrue(attach.exit() == 0, () -> "skipped: no loop device here (needs root and /dev/loop-control): " + attach.out().strip());
        loop = attach.out().strip();

        Cli scan = Cli.run("scan", "--device", loop);
        assertEquals(1, scan.exit, scan.toString());
        Cli fix = Cli.run("fix", "--device", loop, "--json");
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("\"mode\" : \"device\""), fix.out);
        Tools.ok("blockdev", "--flushbufs", loop);

        Path after = Tools.partition(disk, 3, tmp.resolve("after.ntfs"));
        assertEquals(1, Tools.run(List.of("ntfscat", after.toString(), FAULTY)).exit(), "ntfs-3g no longer finds the faulty file");
        Tools.ok("ntfsfix", "-n", after.toString());
        String quarantined = fix.out.replaceAll("(?s).*\"quarantinePath\" : \"([^\"]+)\".*", "$1");
        assertEquals(before, Tools.ntfscatSha(after, quarantined), "the quarantined copy holds the original bytes");

        Cli undo = Cli.run("undo", "--device", loop);
        assertEquals(0, undo.exit, undo.toString());
        Tools.ok("blockdev", "--flushbufs", loop);
        assertEquals(before, Tools.ntfscatSha(Tools.partition(disk, 3, tmp.resolve("undone.ntfs")), FAULTY));
    }
}
