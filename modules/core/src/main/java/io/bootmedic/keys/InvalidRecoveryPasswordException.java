package io.bootmedic.keys;

/** A recovery password that cannot be right; the message says why and never contains the digits. */
public class InvalidRecoveryPasswordException extends Exception {
    private final int badGroup;

    public InvalidRecoveryPasswordException(String message) {
        this(message, 0);
    }

    public InvalidRecoveryPasswordException(String message, int badGroup) {
        super(message);
        this.badGroup = badGroup;
    }

    /** 1-based number of the first wrong group, or 0 when the whole shape is wrong. */
    public int badGroup() {
        return badGroup;
    }
}
