package io.bootmedic.platform.windows;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which Windows a WinRE recovers, from recorded bcdedit output (README in src/test/resources/recorded). */
class WinReTargetOsTest {
    /** What {@code bcdedit /enum {current} /v} prints in WinRE: the WinRE entry alone, cut from the recorded full listing. */
    static String entryOf(String listing, String identifier) {
        int id = listing.indexOf(identifier);
        int start = listing.lastIndexOf("\r\n\r\n", id) + 4;
        int end = listing.indexOf("\r\n\r\n", id);
        return listing.substring(start, end < 0 ? listing.length() : end) + "\r\n";
    }

    @Test
    void englishWindows11RecoversC() throws IOException {
        String all = RecordedOutputTest.decoded("bcdedit-enum-all-v-en-win11.cp437");
        String current = entryOf(all, "identifier              {0fd8694b-e7fe-11f0-91cd-eabb9ab44a94}");
        assertTrue(current.startsWith("Windows Boot Loader\r\n"), current);
        assertEquals("C:", WinReTargetOs.osDevice(current, all));
    }

    @Test
    void germanStoreWhoseOsDeviceIsUnknownNamesNoVolume() throws IOException {
        String all = RecordedOutputTest.decoded("bcdedit-enum-all-v-de-winre.cp850");
        String current = entryOf(all, "Bezeichner              {75d876f1-6a3d-11ea-8d71-809133f4eea6}");
        IOException e = assertThrows(IOException.class, () -> WinReTargetOs.osDevice(current, all));
        assertTrue(e.getMessage().contains("'unknown'"), e.getMessage());
    }

    @Test
    void aCurrentEntryThatIsNotWinReIsRefused() throws IOException {
        String all = RecordedOutputTest.decoded("bcdedit-enum-de-win10.cp850");
        IOException e = assertThrows(IOException.class, () -> WinReTargetOs.osDevice(entryOf(all, "{current}\r\n"), all));
        assertTrue(e.getMessage().contains("not a recovery environment entry"), e.getMessage());
    }

    @Test
    void osDeviceForms() throws IOException {
        assertEquals("D:", WinReTargetOs.device("partition=D:"));
        assertEquals("\\Device\\HarddiskVolume3", WinReTargetOs.device("partition=\\Device\\HarddiskVolume3"));
        for (String bad : new String[] {"boot", "unknown", "partition=", "partition=C:\\..", "locate=custom:22000002", "partition=\\Device\\Harddisk0\\DR0"}) {
            assertThrows(IOException.class, () -> WinReTargetOs.device(bad), bad);
        }
    }

    @Test
    void twoWindowsSharingOneWinReAreToldApartByTheDefault() throws IOException {
        String all = RecordedOutputTest.decoded("bcdedit-enum-all-v-en-win11.cp437");
        String winre = "{0fd8694b-e7fe-11f0-91cd-eabb9ab44a94}";
        String second = "\r\nWindows Boot Loader\r\n-------------------\r\nidentifier              {11111111-2222-3333-4444-555555555555}\r\n"
                + "osdevice                partition=E:\r\nrecoverysequence        " + winre + "\r\n";
        assertEquals("C:", WinReTargetOs.osDevice(entryOf(all, "identifier              " + winre), all + second));
        String otherDefault = (all + second).replace("default                 {0fd8694a-e7fe-11f0-91cd-eabb9ab44a94}",
                "default                 {11111111-2222-3333-4444-555555555555}");
        assertEquals("E:", WinReTargetOs.osDevice(entryOf(all, "identifier              " + winre), otherDefault));
    }
}
