package io.bootmedic.platform;

import java.io.IOException;

/**
 * The machine's BitLocker (WMI, manage-bde) refused something; {@code code} is the HRESULT / WMI
 * return value (0 when there was none). Not to be confused with {@code bitlocker.BitLockerException},
 * which is bootmedic's own reading of a volume's metadata going wrong.
 */
public class BitLockerControlException extends IOException {
    private final int code;

    public BitLockerControlException(String message, int code) {
        super(message);
        this.code = code;
    }

    public BitLockerControlException(String message, Throwable cause) {
        super(message, cause);
        this.code = 0;
    }

    public int code() {
        return code;
    }

    /** The code as Windows prints it (0x80310027). */
    public String hexCode() {
        return BitLockerCodes.hex(code);
    }

    /** True when the key was wrong (worth trying the next key source); false when trying more keys cannot help. */
    public boolean wrongKey() {
        return BitLockerCodes.isWrongKey(code);
    }
}
