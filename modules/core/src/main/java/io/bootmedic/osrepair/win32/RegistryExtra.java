package io.bootmedic.osrepair.win32;

import com.sun.jna.Native;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;

/** The advapi32 registry functions jna-platform does not map. Loaded on first use, so the class loads on Linux. */
interface RegistryExtra extends StdCallLibrary {
    int RegLoadKey(WinReg.HKEY hKey, String subKey, String file);

    int RegUnLoadKey(WinReg.HKEY hKey, String subKey);

    int RegFlushKey(WinReg.HKEY hKey);

    static RegistryExtra load() {
        return Native.load("advapi32", RegistryExtra.class, W32APIOptions.DEFAULT_OPTIONS);
    }
}
