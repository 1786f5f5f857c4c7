package io.bootmedic.platform.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;

/** The kernel32 functions jna-platform does not map. Loaded on first use, so the class loads on Linux. */
interface Kernel32Extra extends StdCallLibrary {
    /** 'RSMB' as GetSystemFirmwareTable wants it (the four characters as a big-endian DWORD). */
    int RSMB = 0x52534D42;
    int MAX_FIRMWARE_TABLE = (1 << 20) + 8;

    int GetOEMCP();

    int GetSystemFirmwareTable(int providerSignature, int tableId, Pointer buffer, int bufferSize);

    static Kernel32Extra load() {
        return Native.load("kernel32", Kernel32Extra.class, W32APIOptions.DEFAULT_OPTIONS);
    }

    /** The raw SMBIOS table (RawSMBIOSData), or null when Windows gives none or an implausible size. */
    static byte[] rawSmbios(Kernel32Extra k32) {
        int size = k32.GetSystemFirmwareTable(RSMB, 0, null, 0);
        if (size <= 0 || size > MAX_FIRMWARE_TABLE) {
            return null;
        }
        Memory buffer = new Memory(size);
        int got = k32.GetSystemFirmwareTable(RSMB, 0, buffer, size);
        if (got <= 0 || got > size) {
            return null;
        }
        return buffer.getByteArray(0, got);
    }
}
