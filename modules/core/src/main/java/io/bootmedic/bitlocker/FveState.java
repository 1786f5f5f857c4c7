package io.bootmedic.bitlocker;

/**
 * The conversion state in each FVE metadata block (current and next state), as dissect.fve's
 * {@code FVE_STATE} and libbde's notes name them.
 */
public enum FveState {
    /** BitLocker turned off: the data is plain, the header and metadata are left behind. */
    DECRYPTED(1),
    /** A conversion was interrupted in the middle of a chunk; a conversion log holds its old bytes. */
    SWITCHING_DIRTY(2),
    /** Encryption or decryption paused (Vista and Windows 7). */
    PAUSED(3),
    ENCRYPTED(4),
    /** Encryption or decryption running or paused part way. */
    SWITCHING(5),
    UNKNOWN(-1);

    public final int code;

    FveState(int code) {
        this.code = code;
    }

    public static FveState of(int code) {
        for (FveState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
