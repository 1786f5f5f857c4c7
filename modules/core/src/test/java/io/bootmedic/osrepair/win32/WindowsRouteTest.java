package io.bootmedic.osrepair.win32;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which volume is the Windows bootmedic runs on: its registry rules and DISM are handled as the live system's. */
class WindowsRouteTest {
    @Test
    void safeModesSystemRootIsTheRunningWindowsAndWinPesRamDiskIsNone() {
        assertEquals(Path.of("C:\\"), WindowsRoute.runningWindows(Map.of("SystemRoot", "C:\\WINDOWS")));
        assertEquals(Path.of("D:\\"), WindowsRoute.runningWindows(Map.of("SYSTEMROOT", "D:\\Windows")));
        assertNull(WindowsRoute.runningWindows(Map.of("SystemRoot", "X:\\windows")), "WinPE and WinRE run from X:");
        assertNull(WindowsRoute.runningWindows(Map.of("SystemRoot", "x:\\windows")));
        assertNull(WindowsRoute.runningWindows(Map.of()));
        assertNull(WindowsRoute.runningWindows(Map.of("SystemRoot", "C:")));
    }
}
