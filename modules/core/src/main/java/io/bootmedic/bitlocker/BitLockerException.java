package io.bootmedic.bitlocker;

import java.io.IOException;

/** A BitLocker volume that cannot be read or unlocked; never carries key material in its message. */
public class BitLockerException extends IOException {
    public BitLockerException(String message) {
        super(message);
    }
}
