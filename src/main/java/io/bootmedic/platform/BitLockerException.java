package io.bootmedic.platform;

import java.io.IOException;

/** BitLocker refused something; {@code code} is the HRESULT / WMI return value (0 when there was none). */
public class BitLockerException extends IOException {
    private final int code;

    public BitLockerException(String message, int code) {
        super(message);
        this.code = code;
    }

    public BitLockerException(String message, Throwable cause) {
        super(message, cause);
        this.code = 0;
    }

    public int code() {
        return code;
    }

    /** True when the key was wrong (worth trying the next key source); false when trying more keys cannot help. */
    public boolean wrongKey() {
        return BitLockerCodes.isWrongKey(code);
    }
}
