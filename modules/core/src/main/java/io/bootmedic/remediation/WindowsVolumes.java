package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;

import java.io.IOException;

/** Whether a volume holds a Windows installation. */
public final class WindowsVolumes {
    private static final RelPath SYSTEM32 = RelPath.of("Windows/System32");

    private WindowsVolumes() {
    }

    public static boolean isWindows(FileTree tree) throws IOException {
        var dir = SafePaths.resolve(tree, SYSTEM32);
        return dir.isPresent() && tree.stat(dir.get()).map(s -> s.isDirectory()).orElse(false);
    }
}
