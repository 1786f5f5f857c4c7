package io.bootmedic.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"../Windows", "Windows/../..", "/etc/passwd", "\\Windows", "C:\\Windows", "C:Windows",
            "Windows//System32", "Windows/./System32", "Windows/file.sys:stream", "Windows/CrowdStrike.", "Windows/a\u0000b"})
    void refusesPathsThatCouldLeaveTheVolume(String path) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelPath.of(path));
        assertTrue(e.getMessage().contains("'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../outside/X.json", "a/b", "a\\b", "..", ".", "", "a\u0000b", "C:x"})
    void oneNameMayNotBeAPath(String name) {
        // a journal's runId becomes a file name through resolve(String): it must not smuggle in separators
        assertThrows(IllegalArgumentException.class, () -> RelPath.of("bootmedic/journal").resolve(name));
        assertFalse(RelPath.isValidComponent(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CON", "con", "Prn", "AUX", "NUL", "nul.txt", "COM1.sys", "com9", "LPT1", "lpt9.log", "COM0", "LPT0", "CONIN$",
            "conout$", "CONOUT$.txt", "NUL.tar.gz", "com\u00B9", "LPT\u00B3.x", "nul.", "nul ", "con .txt", "aux. ", "PRN...", "nul .", "Con.C-00000291.sys"})
    void windowsDeviceNamesAreRefusedInAnyComponent(String device) {
        // issue 21 #4: Win32 opens these as devices in every folder, with any extension and after stripping trailing dots and spaces
        for (String path : new String[]{device, "Windows/" + device, device + "/System32", "Windows/System32/drivers/" + device + "/x.sys"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelPath.of(path), path);
            assertTrue(e.getMessage().contains("opens as the device") && e.getMessage().contains("'" + path + "'"), e.getMessage());
        }
        assertTrue(RelPath.isWindowsDeviceName(device), device);
        assertFalse(RelPath.isValidComponent(device), device);
        assertThrows(IllegalArgumentException.class, () -> RelPath.of("bootmedic/journal").resolve(device));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CONFIG.SYS", "console", "COM10", "LPT", "COM", "NULL", "nul-1.txt", "xNUL", "AUXILIARY.txt", "CON_1", "CONIN", "COMA",
            "C-00000291-00000000-00000032.sys", "prn2.txt", "com1x.sys"})
    void namesThatOnlyLookLikeDevicesAreKept(String name) {
        assertFalse(RelPath.isWindowsDeviceName(name), name);
        assertEquals("Windows/" + name, RelPath.of("Windows/" + name).toString());
    }

    @Test
    void aNameLongerThanNtfsAllowsIsRefused() {
        assertTrue(RelPath.isValidComponent("x".repeat(255)));
        assertThrows(IllegalArgumentException.class, () -> RelPath.of("a/" + "x".repeat(256)));
    }

    @Test
    void acceptsBothSeparatorsAndKeepsCase() {
        RelPath p = RelPath.of("Windows\\System32/drivers\\CrowdStrike");
        assertEquals("Windows/System32/drivers/CrowdStrike", p.toString());
        assertEquals("Windows\\System32\\drivers\\CrowdStrike", p.toWindowsString());
        assertEquals("CrowdStrike", p.name());
        assertTrue(p.equalsIgnoreCase(RelPath.of("WINDOWS/system32/Drivers/crowdstrike")));
    }
}
