package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.LockState;
import io.bootmedic.platform.OemCodePage;
import io.bootmedic.platform.ProcessCommandRunner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * manage-bde output in the form a pipe delivers it: CRLF, OEM code page 850 (German) or 437 (US),
 * decoded by the code real runs use, then parsed. Decoding it as UTF-8 or ANSI instead would turn
 * "Größe" into replacement characters.
 */
class ManageBdeOemOutputTest {
    static byte[] bytes(String name) throws IOException {
        try (InputStream in = ManageBdeOemOutputTest.class.getResourceAsStream("/manage-bde/oem/" + name)) {
            if (in == null) {
                throw new IOException("test sample missing: src/test/resources/manage-bde/oem/" + name);
            }
            return in.readAllBytes();
        }
    }

    static String decoded(String name, int codePage) throws IOException {
        return ProcessCommandRunner.decode(bytes(name), OemCodePage.forCodePage(codePage));
    }

    @Test
    void theRecordingsReallyAreCrlfInAnOemCodePage() throws IOException {
        byte[] raw = bytes("status-de-locked.cp850");
        String asText = new String(raw, StandardCharsets.ISO_8859_1);
        assertTrue(asText.contains("\r\n"), "CRLF line ends");
        assertTrue(asText.contains("Gr\u0094\u00e1e"), "\"Größe\": ö is 0x94 and ß 0xE1 in code page 850");
        assertFalse(new String(raw, StandardCharsets.UTF_8).contains("Größe"), "UTF-8 decoding garbles it");
    }

    @Test
    void germanStatusDecodedFromCodePage850() throws IOException {
        String text = decoded("status-de-locked.cp850", 850);
        assertTrue(text.contains("Größe:") && text.contains("Schlüsselschutzvorrichtungen:"), text);
        BitLockerStatus locked = ManageBdeOutput.parseStatus(text);
        assertEquals(LockState.LOCKED, locked.lockState());
        assertEquals("XTS-AES-128", locked.method());
        assertEquals(LockState.UNLOCKED, ManageBdeOutput.parseStatus(decoded("status-de-unlocked.cp850", 850)).lockState());
    }

    @Test
    void germanProtectorsAndErrorDecodedFromCodePage850() throws IOException {
        List<String> ids = ManageBdeOutput.recoveryPasswordIds(decoded("protectors-de-all.cp850", 850));
        assertEquals(1, ids.size(), ids.toString());
        String error = decoded("unlock-de-wrong.cp850", 850);
        assertEquals(0x80310027, ManageBdeOutput.errorCode(error));
        assertTrue(error.contains("Schlüssel nicht entsperrt"), error);
    }

    @Test
    void englishFromCodePage437() throws IOException {
        assertEquals(LockState.LOCKED, ManageBdeOutput.parseStatus(decoded("status-en-locked.cp437", 437)).lockState());
        assertFalse(ManageBdeOutput.recoveryPasswordIds(decoded("protectors-en.cp437", 437)).isEmpty());
    }

    @Test
    void codePagesWindowsReportsMapToTheirCharsets() {
        assertEquals("IBM850", OemCodePage.forCodePage(850).name());
        assertEquals("IBM437", OemCodePage.forCodePage(437).name());
        assertEquals("UTF-8", OemCodePage.forCodePage(65001).name());
        assertEquals("IBM866", OemCodePage.forCodePage(866).name());
        assertEquals("IBM437", OemCodePage.forCodePage(1).name(), "an unknown code page falls back to Windows' own default");
    }
}
