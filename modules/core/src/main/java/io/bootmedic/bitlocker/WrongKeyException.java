package io.bootmedic.bitlocker;

/** The key given does not open any protector of its kind: a wrong password, not a damaged volume. */
public class WrongKeyException extends BitLockerException {
    public WrongKeyException(String message) {
        super(message);
    }
}
