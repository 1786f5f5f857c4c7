package io.bootmedic.platform.windows;

import com.sun.jna.platform.win32.Kernel32;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.VolumePaths;
import io.bootmedic.platform.VolumeInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SetVolumeMountPointW on an empty folder under {@code base} (on WinPE: X:\bootmedic\mnt), so no
 * drive letter is taken from the machine's own assignment. DeleteVolumeMountPointW on close.
 */
public final class Win32MountPoints implements MountPoints {
    private final Kernel32 k32;
    private final Path base;

    public Win32MountPoints(Kernel32 k32, Path base) {
        this.k32 = k32;
        this.base = base;
    }

    @Override
    public TemporaryMount mount(VolumeInfo volume) throws IOException {
        Files.createDirectories(base);
        String guid = VolumePaths.guid(volume.guidPath());
        Path dir = Files.createDirectories(base.resolve(guid == null ? "volume" : guid.substring(1, 9)));
        // the mount point must be an empty folder and its name must end with a backslash
        String mountPoint = dir.toAbsolutePath() + "\\";
        if (!k32.SetVolumeMountPoint(mountPoint, VolumePaths.guidPathWithSlash(volume.guidPath()))) {
            int err = k32.GetLastError();
            Files.deleteIfExists(dir);
            throw new IOException("could not mount " + volume.describe() + " at " + dir + " (Windows error " + err
                    + "). If the folder is not empty, delete it; if the volume is RAW, it holds no Windows");
        }
        return new TemporaryMount() {
            @Override
            public Path path() {
                return dir;
            }

            @Override
            public void close() throws IOException {
                if (!k32.DeleteVolumeMountPoint(mountPoint)) {
                    throw new IOException("could not remove the temporary mount point " + dir + " (Windows error " + k32.GetLastError()
                            + "). Remove it with: mountvol " + dir + " /D");
                }
                Files.deleteIfExists(dir);
            }
        };
    }
}
