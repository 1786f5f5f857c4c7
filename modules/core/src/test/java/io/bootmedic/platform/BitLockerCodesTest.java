package io.bootmedic.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BitLockerCodesTest {
    @Test
    void wrongKeyCodesAreRecognisedAndExplained() {
        for (int code : new int[] {0x80310027, 0x80310035}) {
            assertTrue(BitLockerCodes.isWrongKey(code), BitLockerCodes.hex(code));
            assertTrue(BitLockerCodes.describe(code).contains("key ID") || BitLockerCodes.describe(code).contains("8 groups"),
                    BitLockerCodes.describe(code));
        }
        assertFalse(BitLockerCodes.isWrongKey(0x80310000));
    }

    @Test
    void protectorNotFoundMeansTheVolumeLacksThatKindOfKeyNotATypo() {
        String text = BitLockerCodes.describe(0x80310033);
        assertTrue(text.contains("no protector of that kind"), text);
        assertFalse(text.contains("typo"), text);
        assertTrue(BitLockerCodes.isWrongKey(0x80310033), "the chain moves on to a key of another kind");
    }

    /** UnlockWithExternalKey's documented refusals: ERROR_INVALID_PASSWORD, ERROR_NOT_FOUND (as HRESULTs), FVE_E_KEYFILE_NO_VMK. */
    @Test
    void wrongBekCodesMoveTheKeyChainOn() {
        for (int code : new int[] {0x8031003E, 0x80070056, 0x80070490}) {
            assertTrue(BitLockerCodes.isWrongKey(code), BitLockerCodes.hex(code));
            assertFalse(BitLockerCodes.describe(code).startsWith("BitLocker returned error"), "explained: " + BitLockerCodes.describe(code));
        }
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
    void checkThrowsWithCode() throws BitLockerControlException {
        BitLockerCodes.check(0, "unlock C:");
        BitLockerControlException e = assertThrows(BitLockerControlException.class, () -> BitLockerCodes.check(0x80310027, "unlock C:"));
        assertEquals(0x80310027, e.code());
        assertTrue(e.getMessage().startsWith("unlock C: failed: BitLocker rejected the key"), e.getMessage());
    }
}
