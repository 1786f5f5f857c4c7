package io.bootmedic.bitlocker;

import io.bootmedic.format.FormatException;

/**
 * A BitLocker header, metadata copy or conversion map that is malformed, damaged or in a state
 * bootmedic cannot read correctly. Not for a wrong key ({@link WrongKeyException}) or a missing one.
 * The message never carries key material.
 */
public class BitLockerFormatException extends FormatException {
    public BitLockerFormatException(String message) {
        super(message);
    }
}
