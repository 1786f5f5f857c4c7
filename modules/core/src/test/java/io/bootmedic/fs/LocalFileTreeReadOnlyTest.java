package io.bootmedic.fs;

import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether a mounted Windows drive may be changed: a read-only mount says so, a writable folder
 * does not. (In a chroot, where the JDK cannot find the folder's mount in /proc/mounts, a
 * writable folder was once taken for read-only: the demo on a fresh Debian in a chroot showed it.)
 */
class LocalFileTreeReadOnlyTest {
    @TempDir
    Path dir;

    @Test
    void aWritableFolderIsNotReadOnly() {
        assertFalse(new LocalFileTree(dir).isReadOnly());
    }

    @Test
    void aReadOnlyBindMountIsReadOnly() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: a bind mount needs root");
        Path source = Files.createDirectories(dir.resolve("c"));
        Path mount = Files.createDirectories(dir.resolve("ro"));
        Tools.Result bind = Tools.run(List.of("mount", "--bind", source.toString(), mount.toString()));
        assumeTrue(bind.exit() == 0, "skipped: mount --bind is not allowed here: " + bind.out());
        try {
            Tools.Result ro = Tools.run(List.of("mount", "-o", "remount,ro,bind", mount.toString()));
            assumeTrue(ro.exit() == 0, "skipped: remount read-only is not allowed here: " + ro.out());
            assertTrue(new LocalFileTree(mount).isReadOnly(), "a read-only bind mount");
            assertFalse(new LocalFileTree(source).isReadOnly(), "the same folder, writable where it really is");
        } finally {
            Tools.run(List.of("umount", mount.toString()));
        }
    }
}
