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
