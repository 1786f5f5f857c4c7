package io.bootmedic.keys;

/** A key ID prefix that more than one key shares. */
public class AmbiguousKeyIdException extends Exception {
    public AmbiguousKeyIdException(String message) {
        super(message);
    }
}
