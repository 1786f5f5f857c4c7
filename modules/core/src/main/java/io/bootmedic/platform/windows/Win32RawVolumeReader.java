package io.bootmedic.platform.windows;

import com.sun.jna.Memory;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import io.bootmedic.platform.RawVolumeReader;

import java.io.IOException;

/**
 * CreateFileW on {@code \\.\Volume{…}} for read-only raw access. Works on locked BitLocker
 * volumes (the metadata is readable), which is the point: naming the key ID without WMI.
 */
public final class Win32RawVolumeReader implements RawVolumeReader {
    private static final int SECTOR = 512;
    private static final int MAX_READ = 16 * 1024 * 1024;
    private final Kernel32 k32;

    public Win32RawVolumeReader(Kernel32 k32) {
        this.k32 = k32;
    }

    @Override
    public byte[] read(String volume, long offset, int length) throws IOException {
        if (offset < 0 || offset % SECTOR != 0 || length <= 0 || length % SECTOR != 0 || length > MAX_READ) {
            throw new IllegalArgumentException("raw volume reads need a sector-aligned offset and 1.." + MAX_READ
                    + " bytes in whole sectors; got offset " + offset + ", length " + length);
        }
        WinNT.HANDLE h = open(volume);
        try {
            // on a synchronous handle, OVERLAPPED only carries the position: no seek call needed
            WinBase.OVERLAPPED at = new WinBase.OVERLAPPED();
            at.Offset = (int) offset;
            at.OffsetHigh = (int) (offset >>> 32);
            byte[] data = new byte[length];
            IntByReference read = new IntByReference();
            if (!k32.ReadFile(h, data, length, read, at)) {
                throw new IOException("could not read " + length + " bytes at " + offset + " from " + volume
                        + " (Windows error " + com.sun.jna.Native.getLastError() + "). Run as Administrator");
            }
            if (read.getValue() != length) {
                throw new IOException("short read from " + volume + ": " + read.getValue() + " of " + length + " bytes at " + offset);
            }
            return data;
        } finally {
            k32.CloseHandle(h);
        }
    }

    /** IOCTL_DISK_GET_LENGTH_INFO; -1 when Windows will not tell (no admin rights, odd driver). */
    long lengthOrMinusOne(String volume) {
        WinNT.HANDLE h;
        try {
            h = open(volume);
        } catch (IOException e) {
            return -1;
        }
        try {
            DiskIo.GetLengthInformation info = new DiskIo.GetLengthInformation();
            Memory out = new Memory(info.size());
            IntByReference returned = new IntByReference();
            if (!k32.DeviceIoControl(h, DiskIo.IOCTL_DISK_GET_LENGTH_INFO, null, 0, out, (int) out.size(), returned, null)
                    || returned.getValue() < 8) {
                return -1;
            }
            return out.getLong(0);
        } finally {
            k32.CloseHandle(h);
        }
    }

    private WinNT.HANDLE open(String volume) throws IOException {
        String device = VolumePaths.devicePath(volume);
        WinNT.HANDLE h = k32.CreateFile(device, WinNT.GENERIC_READ, WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE, null,
                WinNT.OPEN_EXISTING, 0, null);
        if (WinBase.INVALID_HANDLE_VALUE.equals(h)) {
            throw new IOException("could not open " + device + " for reading (Windows error " + com.sun.jna.Native.getLastError()
                    + "). bootmedic must run as Administrator");
        }
        return h;
    }
}
