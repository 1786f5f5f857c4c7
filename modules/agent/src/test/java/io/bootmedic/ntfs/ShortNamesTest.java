package io.bootmedic.ntfs;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.RelPath;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Windows gives long names an 8.3 alias; bootmedic must list each file once and move both names. */
class ShortNamesTest {
    @TempDir
    Path tmp;

    interface DosNames extends Library {
        /** Adds a DOS name; closes both inodes. */
        int ntfs_set_ntfs_dos_name(Pointer ni, Pointer dirNi, String value, NativeLong size, int flags);
    }

    @Test
    void aFileWithAnEightDotThreeAliasIsListedOnceAndMovedWithBothNames() throws Exception {
        Path disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        Path part = Tools.partition(disk, 3, tmp.resolve("part.ntfs"));
        RelPath dir = RelPath.of(PracticeTree.CROWDSTRIKE_DIR);
        try (FileBlockDevice dev = FileBlockDevice.open(part, true); NtfsVolume vol = NtfsVolume.open(dev, true)) {
            NtfsFileTree tree = new NtfsFileTree(vol);
            DosNames lib = Native.load(LibNtfs3g.NAME, DosNames.class);
            long dirRef = lookup(vol, dir);
            long fileRef = lookup(vol, dir.resolve(PracticeTree.FAULTY));
            NtfsInode d = vol.inode(dirRef);
            NtfsInode f = vol.inode(fileRef);
            assertEquals(0, lib.ntfs_set_ntfs_dos_name(f.release(), d.release(), "C-0000~1.SYS", new NativeLong(12), 0));
            List<String> names = tree.list(dir).stream().map(FileStat::name).toList();
            assertEquals(1, names.stream().filter(n -> n.equals(PracticeTree.FAULTY)).count(), names.toString());
            assertEquals(0, names.stream().filter(n -> n.contains("~")).count(), names.toString());
        }
        assertEquals(0, Tools.run(List.of("ntfscat", part.toString(), PracticeTree.CROWDSTRIKE_DIR + "/C-0000~1.SYS")).exit(), "the alias exists");

        Cli fix = Cli.run("fix", "--image", part.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertEquals(1, Tools.run(List.of("ntfscat", part.toString(), PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY)).exit());
        assertEquals(1, Tools.run(List.of("ntfscat", part.toString(), PracticeTree.CROWDSTRIKE_DIR + "/C-0000~1.SYS")).exit(),
                "no 8.3 alias is left behind in the CrowdStrike folder");
        Tools.ok("ntfsfix", "-n", part.toString());
    }

    private static long lookup(NtfsVolume vol, RelPath path) throws Exception {
        NtfsInode current = vol.inode(LibNtfs3g.FILE_ROOT);
        long ref = LibNtfs3g.FILE_ROOT;
        for (String part : path.parts()) {
            ref = NtfsVolume.lib().ntfs_inode_lookup_by_name(current.pointer(), NtfsVolume.utf16(part), part.length());
            current.close();
            current = vol.inode(ref);
        }
        current.close();
        return ref;
    }
}
