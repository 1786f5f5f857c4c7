package io.bootmedic.bitlocker;

import java.util.Locale;

/**
 * One key protector (VMK entry) of a volume.
 *
 * @param id        the protector GUID: for a recovery password, the "key ID" on the recovery screen
 * @param type      raw protection type (0x0800 recovery password, 0x2000 password, 0x0200 startup key, ...)
 * @param salt      stretch-key salt (passwords), or null
 * @param nonce     AES-CCM nonce of the encrypted VMK
 * @param mac       AES-CCM tag of the encrypted VMK
 * @param encrypted the encrypted VMK (without nonce and tag)
 * @param clearKey  the key that protects the VMK when protection is suspended, or null
 */
public record Protector(String id, int type, String description, byte[] salt, byte[] nonce, byte[] mac, byte[] encrypted, byte[] clearKey) {
    public static final int CLEAR_KEY = 0x0000;
    public static final int TPM = 0x0100;
    public static final int STARTUP_KEY = 0x0200;
    public static final int TPM_PIN = 0x0500;
    public static final int RECOVERY_PASSWORD = 0x0800;
    public static final int SMART_CARD = 0x1000;
    public static final int PASSWORD = 0x2000;

    public String typeName() {
        return switch (type) {
            case CLEAR_KEY -> "clear key (protection suspended)";
            case TPM -> "TPM";
            case STARTUP_KEY -> "startup key (.BEK)";
            case TPM_PIN -> "TPM and PIN";
            case RECOVERY_PASSWORD -> "recovery password";
            case SMART_CARD -> "smart card";
            case PASSWORD -> "password";
            default -> String.format(Locale.ROOT, "unknown (0x%04X)", type);
        };
    }

    /** Whether it can be opened on another machine, without the TPM or a smart card. */
    public boolean usableOffline() {
        return type == CLEAR_KEY || type == STARTUP_KEY || type == RECOVERY_PASSWORD || type == PASSWORD;
    }

    @Override
    public String toString() {
        return "Protector[" + id + " " + typeName() + "]";
    }
}
