package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.LockState;

/** Win32_EncryptableVolume.GetEncryptionMethod values, spelled as the report spells them. */
public final class EncryptionMethods {
    private static final String[] NAMES = {null, "AES-128-DIFFUSER", "AES-256-DIFFUSER", "AES-128", "AES-256", "HARDWARE",
            "XTS-AES-128", "XTS-AES-256"};

    private EncryptionMethods() {
    }

    /** Null for 0 (not encrypted); "unknown (0x0000000A)" for values newer Windows versions may add. */
    public static String name(int method) {
        if (method >= 0 && method < NAMES.length) {
            return NAMES[method];
        }
        return "unknown (" + BitLockerCodes.hex(method) + ")";
    }

    /**
     * The state from GetLockStatus (1 = locked) and GetEncryptionMethod. A volume that is neither
     * locked nor has a method is plain; Windows reports method 0 for fully decrypted volumes.
     */
    public static LockState state(int lockStatus, int method) {
        if (lockStatus == 1) {
            return LockState.LOCKED;
        }
        return method == 0 ? LockState.NOT_ENCRYPTED : LockState.UNLOCKED;
    }
}
