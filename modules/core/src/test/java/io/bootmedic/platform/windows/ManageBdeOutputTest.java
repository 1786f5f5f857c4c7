package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.LockState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManageBdeOutputTest {

    static String sample(String name) throws IOException {
        try (InputStream in = ManageBdeOutputTest.class.getResourceAsStream("/manage-bde/" + name)) {
            if (in == null) {
                throw new IOException("test sample missing: src/test/resources/manage-bde/" + name);
            }
            // manage-bde writes CRLF; the samples are stored with LF, so test both
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\n", "\r\n");
        }
    }

    @Test
    void englishUnlockedOsVolume() throws IOException {
        BitLockerStatus s = ManageBdeOutput.parseStatus(sample("status-en-unlocked.txt"));
        assertEquals(LockState.UNLOCKED, s.lockState());
        assertEquals("XTS-AES-128", s.method());
    }

    @Test
    void englishLockedLetterlessVolume() throws IOException {
        BitLockerStatus s = ManageBdeOutput.parseStatus(sample("status-en-locked.txt"));
        assertEquals(LockState.LOCKED, s.lockState());
        assertEquals("XTS-AES-256", s.method());
    }

    @Test
    void germanLockedAndUnlocked() throws IOException {
        assertEquals(LockState.LOCKED, ManageBdeOutput.parseStatus(sample("status-de-locked.txt")).lockState());
        BitLockerStatus unlocked = ManageBdeOutput.parseStatus(sample("status-de-unlocked.txt"));
        assertEquals(LockState.UNLOCKED, unlocked.lockState());
        assertEquals("XTS-AES-128", unlocked.method());
    }

    @Test
    void unknownLanguageFallsBackOnStructure() throws IOException {
        // "Verrouillé" is in no word list: the size without digits gives the lock away
        assertEquals(LockState.LOCKED, ManageBdeOutput.parseStatus(sample("status-fr-locked.txt")).lockState());
        String unlockedFrench = sample("status-fr-locked.txt").replace("Inconnu Go", "237,84 Go").replace("Verrouillé", "Déverrouillé");
        assertEquals(LockState.UNLOCKED, ManageBdeOutput.parseStatus(unlockedFrench).lockState());
    }

    @Test
    void decryptedVolumeIsNotEncrypted() throws IOException {
        BitLockerStatus s = ManageBdeOutput.parseStatus(sample("status-en-decrypted.txt"));
        assertEquals(LockState.NOT_ENCRYPTED, s.lockState());
        assertNull(s.method());
    }

    @Test
    void garbageIsRejectedWithAMessageThatSaysWhatToDo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ManageBdeOutput.parseStatus("'manage-bde' is not recognized as an internal or external command"));
        assertTrue(e.getMessage().contains("Run manage-bde -status by hand"), e.getMessage());
    }

    @Test
    void methodSpellings() {
        assertEquals("AES-256", ManageBdeOutput.method("AES 256"));
        assertEquals("AES-128-DIFFUSER", ManageBdeOutput.method("AES 128 with Diffuser"));
        assertEquals("XTS-AES-256", ManageBdeOutput.method("XTS-AES 256"));
        assertNull(ManageBdeOutput.method("Keine"));
    }

    @Test
    void protectorIdsFromFilteredEnglishListing() throws IOException {
        assertEquals(List.of("{1A2B3C4D-5E6F-4A8B-9C0D-1E2F3A4B5C6D}"), ManageBdeOutput.recoveryPasswordIds(sample("protectors-en.txt")));
    }

    @Test
    void germanUnfilteredListingKeepsOnlyTheProtectorWithA48DigitPassword() throws IOException {
        assertEquals(List.of("{8F0E4B2A-3C1D-4E5F-A6B7-C8D9E0F1A2B3}"), ManageBdeOutput.recoveryPasswordIds(sample("protectors-de-all.txt")));
    }

    @Test
    void lockedListingWithoutPasswordsKeepsEveryId() {
        String locked = "Volume D: [Label Unknown]\r\n\r\n    Numerical Password:\r\n      ID: {1A2B3C4D-5E6F-4A8B-9C0D-1E2F3A4B5C6D}\r\n";
        assertEquals(List.of("{1A2B3C4D-5E6F-4A8B-9C0D-1E2F3A4B5C6D}"), ManageBdeOutput.recoveryPasswordIds(locked));
    }

    @Test
    void errorCodesInBothLanguages() throws IOException {
        assertEquals(BitLockerCodes.FVE_E_FAILED_AUTHENTICATION, ManageBdeOutput.errorCode(sample("unlock-de-wrong.txt")));
        assertEquals(BitLockerCodes.FVE_E_PROTECTOR_NOT_FOUND, ManageBdeOutput.errorCode(sample("unlock-en-wrong.txt")));
        assertEquals(0, ManageBdeOutput.errorCode(sample("status-en-unlocked.txt")));
    }

    @Test
    void redactHidesEveryRecoveryPassword() throws IOException {
        String redacted = ManageBdeOutput.redact(sample("protectors-de-all.txt") + sample("protectors-en.txt"));
        assertFalse(redacted.contains("000011-000022"), redacted);
        assertFalse(redacted.contains("123453-234564"), redacted);
        assertTrue(redacted.contains("{8f0e4b2a-3c1d-4e5f-a6b7-c8d9e0f1a2b3}"));
    }
}
