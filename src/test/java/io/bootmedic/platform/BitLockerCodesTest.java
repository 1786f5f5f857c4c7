package io.bootmedic.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BitLockerCodesTest {
    @Test
    void wrongKeyCodesAreRecognisedAndExplained() {
        for (int code : new int[] {0x80310027, 0x80310033, 0x80310035}) {
            assertTrue(BitLockerCodes.isWrongKey(code), BitLockerCodes.hex(code));
            assertTrue(BitLockerCodes.describe(code).contains("key ID") || BitLockerCodes.describe(code).contains("8 groups"),
                    BitLockerCodes.describe(code));
        }
        assertFalse(BitLockerCodes.isWrongKey(0x80310000));
    }

    @Test
    void lockedAndMissingProviderHaveNextSteps() {
        assertTrue(BitLockerCodes.describe(0x80310000).contains("recovery password"));
        assertTrue(BitLockerCodes.describe(0x8004100E).contains("WinPE-SecureStartup"));
        assertTrue(BitLockerCodes.describe(0x80070005).contains("Administrator"));
    }

    @Test
    void unknownCodeStillNamesTheHex() {
        assertEquals("BitLocker returned error 0x8031FFFF: look the code up in Microsoft's FVE_E list and note it in the ticket",
                BitLockerCodes.describe(0x8031FFFF));
    }

    @Test
    void checkThrowsWithCode() throws BitLockerException {
        BitLockerCodes.check(0, "unlock C:");
        BitLockerException e = assertThrows(BitLockerException.class, () -> BitLockerCodes.check(0x80310027, "unlock C:"));
        assertEquals(0x80310027, e.code());
        assertTrue(e.getMessage().startsWith("unlock C: failed: BitLocker rejected the key"), e.getMessage());
    }
}
