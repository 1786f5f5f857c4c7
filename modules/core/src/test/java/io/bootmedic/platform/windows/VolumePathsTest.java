package io.bootmedic.platform.windows;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VolumePathsTest {
    static final String GUID_PATH = "\\\\?\\Volume{6B1C3A5E-2F4D-4E8A-9B7C-0D1E2F3A4B5C}\\";

    @Test
    void devicePathsHaveNoTrailingBackslash() {
        assertEquals("\\\\.\\Volume{6b1c3a5e-2f4d-4e8a-9b7c-0d1e2f3a4b5c}", VolumePaths.devicePath(GUID_PATH));
        assertEquals("\\\\.\\C:", VolumePaths.devicePath("c:\\"));
        assertEquals("\\\\.\\D:", VolumePaths.devicePath("D:"));
    }

    @Test
    void guidForms() {
        assertEquals("\\\\?\\Volume{6b1c3a5e-2f4d-4e8a-9b7c-0d1e2f3a4b5c}\\", VolumePaths.guidPathWithSlash(GUID_PATH.substring(0, GUID_PATH.length() - 1)));
        assertEquals("{6B1C3A5E-2F4D-4E8A-9B7C-0D1E2F3A4B5C}", VolumePaths.guid(GUID_PATH));
        assertNull(VolumePaths.guid("C:\\"));
    }

    @Test
    void rejectsOtherPaths() {
        assertThrows(IllegalArgumentException.class, () -> VolumePaths.devicePath("C:\\Windows"));
        assertThrows(IllegalArgumentException.class, () -> VolumePaths.devicePath("\\\\?\\Volume{nope}\\"));
        assertThrows(IllegalArgumentException.class, () -> VolumePaths.guidPathWithSlash("C:\\"));
    }
}
