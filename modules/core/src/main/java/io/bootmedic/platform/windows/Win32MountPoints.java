package io.bootmedic.platform.windows;

import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinDef;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.VolumeInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Lends a letterless volume a free drive letter with SetVolumeMountPointW and takes it back with
 * DeleteVolumeMountPointW on close. A letter, not a folder: folder mount points need an NTFS
 * folder, and WinPE's X: is a RAM disk that may not offer one.
 */
public final class Win32MountPoints implements MountPoints {
    private final Kernel32 k32;

    public Win32MountPoints(Kernel32 k32) {
        this.k32 = k32;
    }

    @Override
    public TemporaryMount mount(VolumeInfo volume) throws IOException {
        char[] roots = new char[26 * 4 + 2]; // "C:\\\0D:\\\0...\0": four characters a letter
        if (k32.GetLogicalDriveStrings(new WinDef.DWORD(roots.length), roots).intValue() == 0) {
            throw new IOException("could not list the drive letters in use (Windows error " + Native.getLastError() + ")");
        }
        OptionalInt letter = DriveLetters.free(DriveLetters.mask(MultiSz.split(roots)));
        if (letter.isEmpty()) {
            throw new IOException("could not mount " + volume.describe() + ": every drive letter from D: to Z: is taken. "
                    + "Remove a USB drive or a mapped network drive and run bootmedic again");
        }
        // the mount point of a drive letter is "R:\" with the trailing backslash
        String mountPoint = (char) letter.getAsInt() + ":\\";
        if (!k32.SetVolumeMountPoint(mountPoint, VolumePaths.guidPathWithSlash(volume.guidPath()))) {
            int err = Native.getLastError(); // JNA saved it right after the call; Kernel32.GetLastError() may read a newer one
            throw new IOException("could not give " + volume.describe() + " the drive letter " + mountPoint + " (Windows error " + err
                    + "). If the volume is RAW, it holds no Windows");
        }
        Path root = Path.of(mountPoint);
        return new TemporaryMount() {
            @Override
            public Path path() {
                return root;
            }

            @Override
            public void close() throws IOException {
                if (!k32.DeleteVolumeMountPoint(mountPoint)) {
                    throw new IOException("could not take back the drive letter " + mountPoint + " (Windows error " + Native.getLastError()
                            + "). Remove it with: mountvol " + mountPoint + " /D");
                }
            }
        };
    }
}
