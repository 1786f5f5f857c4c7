package io.bootmedic.platform.windows;

import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import io.bootmedic.platform.DriveType;
import io.bootmedic.platform.VolumeEnumerator;
import io.bootmedic.platform.VolumeInfo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** FindFirstVolumeW/FindNextVolumeW: every volume, including letterless and locked ones. */
public final class Win32VolumeEnumerator implements VolumeEnumerator {
    private static final int GUID_PATH_CHARS = 50; // \\?\Volume{36 chars}\ + NUL = 50
    private static final int ERROR_NO_MORE_FILES = 18;
    private static final int ERROR_MORE_DATA = 234;
    private final Kernel32 k32;
    private final Win32RawVolumeReader sizes;

    public Win32VolumeEnumerator(Kernel32 k32, Win32RawVolumeReader sizes) {
        this.k32 = k32;
        this.sizes = sizes;
    }

    @Override
    public List<VolumeInfo> volumes() throws IOException {
        char[] name = new char[GUID_PATH_CHARS + 14];
        // Native.getLastError(): the value JNA saved right after each call. Kernel32.GetLastError()
        // is a call of its own, and the JVM may have run other Win32 calls in between.
        WinNT.HANDLE find = k32.FindFirstVolume(name, name.length);
        if (WinBase.INVALID_HANDLE_VALUE.equals(find)) {
            throw new IOException("FindFirstVolumeW failed with Windows error " + Native.getLastError());
        }
        List<VolumeInfo> out = new ArrayList<>();
        try {
            do {
                out.add(describe(Native.toString(name)));
            } while (k32.FindNextVolume(find, name, name.length));
            int err = Native.getLastError();
            if (err != ERROR_NO_MORE_FILES) {
                throw new IOException("FindNextVolumeW stopped with Windows error " + err + " after " + out.size() + " volumes");
            }
        } finally {
            k32.FindVolumeClose(find);
        }
        return out;
    }

    private VolumeInfo describe(String guidPath) {
        List<String> mountPoints = mountPoints(guidPath);
        char[] label = new char[261];
        char[] fs = new char[261];
        String labelText = null;
        String fsText = null;
        // fails for locked BitLocker volumes and RAW partitions: both stay null
        if (k32.GetVolumeInformation(guidPath, label, label.length, null, null, null, fs, fs.length)) {
            labelText = Native.toString(label);
            fsText = Native.toString(fs);
        }
        DriveType type = DriveType.fromWin32(k32.GetDriveType(guidPath));
        long size = type == DriveType.FIXED || type == DriveType.REMOVABLE ? sizes.lengthOrMinusOne(guidPath) : -1;
        return new VolumeInfo(guidPath, mountPoints, labelText, fsText, type, size, deviceName(guidPath));
    }

    /** QueryDosDeviceW on "Volume{GUID}": the \Device\HarddiskVolumeN that bcdedit names a letterless volume by; null when Windows gives none. */
    private String deviceName(String guidPath) {
        String name = guidPath.startsWith("\\\\?\\") ? guidPath.substring(4) : guidPath;
        if (name.endsWith("\\")) {
            name = name.substring(0, name.length() - 1);
        }
        char[] target = new char[1024];
        int got = k32.QueryDosDevice(name, target, target.length);
        if (got <= 0 || got > target.length) {
            return null;
        }
        List<String> names = MultiSz.split(target);
        return names.isEmpty() ? null : names.get(0);
    }

    /** GetVolumePathNamesForVolumeNameW: a REG_MULTI_SZ-style list, grown when Windows asks for more room. */
    private List<String> mountPoints(String guidPath) {
        char[] buffer = new char[261];
        IntByReference needed = new IntByReference();
        if (!k32.GetVolumePathNamesForVolumeName(guidPath, buffer, buffer.length, needed)) {
            if (Native.getLastError() != ERROR_MORE_DATA || needed.getValue() <= 0 || needed.getValue() > 1 << 20) {
                return List.of();
            }
            buffer = new char[needed.getValue()];
            if (!k32.GetVolumePathNamesForVolumeName(guidPath, buffer, buffer.length, needed)) {
                return List.of();
            }
        }
        return MultiSz.split(buffer);
    }
}
