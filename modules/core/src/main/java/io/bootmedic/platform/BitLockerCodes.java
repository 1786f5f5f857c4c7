package io.bootmedic.platform;

import java.util.Locale;
import java.util.Map;

/**
 * Turns the HRESULTs that Win32_EncryptableVolume methods and manage-bde return into a sentence
 * that says what happened and what to do. Values from Microsoft's FVE_E_* / WBEM_E_* tables.
 */
public final class BitLockerCodes {
    public static final int S_OK = 0;
    public static final int FVE_E_LOCKED_VOLUME = 0x80310000;
    public static final int FVE_E_NOT_ENCRYPTED = 0x80310001;
    public static final int FVE_E_NOT_ACTIVATED = 0x80310008;
    public static final int FVE_E_FAILED_AUTHENTICATION = 0x80310027;
    /**
     * "The specified key protector was not found": the volume has no protector of the kind asked
     * for (UnlockWithNumericalPassword on a volume without a numerical password). Not a typo.
     */
    public static final int FVE_E_PROTECTOR_NOT_FOUND = 0x80310033;
    public static final int FVE_E_INVALID_KEY_FORMAT = 0x80310034;
    public static final int FVE_E_INVALID_PASSWORD_FORMAT = 0x80310035;
    public static final int FVE_E_KEYFILE_INVALID = 0x8031003D;
    /** The .BEK file holds no key for this volume's master key (a startup key of another volume). */
    public static final int FVE_E_KEYFILE_NO_VMK = 0x8031003E;
    public static final int FVE_E_NOT_ALLOWED_IN_SAFE_MODE = 0x80310040;
    /**
     * UnlockWithExternalKey's documented answers (HRESULT_FROM_WIN32): ERROR_INVALID_PASSWORD when
     * an external-key protector exists but this key does not open it, ERROR_NOT_FOUND when the
     * volume has no external-key protector at all. Source: learn.microsoft.com, "UnlockWithExternalKey
     * method of the Win32_EncryptableVolume class".
     */
    public static final int E_INVALID_PASSWORD = 0x80070056;
    public static final int E_NOT_FOUND = 0x80070490;
    public static final int E_ACCESSDENIED = 0x80070005;
    public static final int WBEM_E_INVALID_NAMESPACE = 0x8004100E;
    public static final int WBEM_E_INVALID_CLASS = 0x80041010;
    public static final int WBEM_E_NOT_FOUND = 0x80041002;

    private static final Map<Integer, String> MESSAGES = Map.ofEntries(
            Map.entry(FVE_E_LOCKED_VOLUME, "the volume is locked by BitLocker: unlock it with its recovery password or .BEK key first"),
            Map.entry(FVE_E_NOT_ENCRYPTED, "the volume is not encrypted with BitLocker: no key is needed"),
            Map.entry(FVE_E_NOT_ACTIVATED, "BitLocker is not turned on for this volume: no key is needed"),
            Map.entry(FVE_E_FAILED_AUTHENTICATION, "BitLocker rejected the key: it belongs to another volume or has a typo. "
                    + "Check the key ID on the recovery screen against the one in your key list"),
            Map.entry(FVE_E_INVALID_PASSWORD_FORMAT, "BitLocker rejected the recovery password format: it needs 8 groups of 6 digits. "
                    + "Re-type it from the key list"),
            Map.entry(FVE_E_INVALID_KEY_FORMAT, "the .BEK key file is damaged or not a BitLocker key: copy it again from the backup"),
            Map.entry(FVE_E_KEYFILE_INVALID, "the .BEK key file is not valid for this volume: use the key file whose name matches the key ID"),
            Map.entry(FVE_E_PROTECTOR_NOT_FOUND, "this volume has no protector of that kind (no recovery password, or no startup key): "
                    + "unlock it with the kind of key it has; 'manage-bde -protectors -get' on a working machine lists them"),
            Map.entry(FVE_E_KEYFILE_NO_VMK, "the .BEK key file belongs to another volume: use the key file whose name matches this volume's key ID"),
            Map.entry(E_INVALID_PASSWORD, "the .BEK key does not open this volume: it belongs to another volume; use the key file whose name "
                    + "matches this volume's startup key ID"),
            Map.entry(E_NOT_FOUND, "this volume has no startup-key protector, so no .BEK file can open it: use its recovery password"),
            Map.entry(FVE_E_NOT_ALLOWED_IN_SAFE_MODE, "BitLocker does not allow this in safe mode: boot the bootmedic USB stick (WinPE) instead"),
            Map.entry(E_ACCESSDENIED, "access denied: run bootmedic as Administrator (WinPE always is)"),
            Map.entry(WBEM_E_INVALID_NAMESPACE, "this Windows has no BitLocker WMI provider: the boot image lacks WinPE-SecureStartup "
                    + "and WinPE-WMI. Rebuild it with winpe\\build.ps1, or bootmedic falls back to manage-bde"),
            Map.entry(WBEM_E_INVALID_CLASS, "this Windows has no Win32_EncryptableVolume class: the boot image lacks WinPE-SecureStartup. "
                    + "Rebuild it with winpe\\build.ps1"),
            Map.entry(WBEM_E_NOT_FOUND, "the volume disappeared while it was being unlocked: check the disk and run bootmedic again"));

    private BitLockerCodes() {
    }

    /** A sentence for IT staff, always naming the hex code so it can be looked up. */
    public static String describe(int code) {
        String known = MESSAGES.get(code);
        String hex = hex(code);
        return known != null ? known + " (" + hex + ")"
                : "BitLocker returned error " + hex + ": look the code up in Microsoft's FVE_E list and note it in the ticket";
    }

    /**
     * True when BitLocker refused this key (wrong, malformed, or of a kind the volume lacks): the
     * key chain then tries its next source instead of giving up on the volume.
     */
    public static boolean isWrongKey(int code) {
        return code == FVE_E_FAILED_AUTHENTICATION || code == FVE_E_PROTECTOR_NOT_FOUND || code == FVE_E_INVALID_PASSWORD_FORMAT
                || code == FVE_E_INVALID_KEY_FORMAT || code == FVE_E_KEYFILE_INVALID || code == FVE_E_KEYFILE_NO_VMK
                || code == E_INVALID_PASSWORD || code == E_NOT_FOUND;
    }

    /**
     * True for failures of the plumbing (WMI 0x8004xxxx, COM/RPC 0x8001xxxx) rather than answers
     * from BitLocker (0x8031xxxx): only those are worth retrying with manage-bde.
     */
    public static boolean isInfrastructure(int code) {
        int facility = code & 0xFFFF0000;
        return facility == 0x80040000 || facility == 0x80010000;
    }

    public static String hex(int code) {
        return "0x" + String.format(Locale.ROOT, "%08X", code);
    }

    /** Throws when {@code code} is not success. */
    public static void check(int code, String what) throws BitLockerControlException {
        if (code != S_OK) {
            throw new BitLockerControlException(what + " failed: " + describe(code), code);
        }
    }
}
