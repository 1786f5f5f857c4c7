package io.bootmedic.volumes;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.remediation.Target;
import io.bootmedic.report.RunMode;

import java.nio.file.Files;
import java.nio.file.Path;

/** Picks the kind of target for a path named in a batch list: a folder is a mounted drive, a file an image. */
public final class TargetFactory {
    private TargetFactory() {
    }

    public static Target forPath(Path path, boolean writable, VolumeKeys keys) throws TargetException {
        if (Files.isDirectory(path)) {
            return new RootTarget(path, RunMode.MOUNTED_ROOT);
        }
        if (!Files.exists(path)) {
            throw new TargetException(path + " does not exist");
        }
        return new ImageTarget(path, path.startsWith("/dev"), writable).keys(keys);
    }
}
