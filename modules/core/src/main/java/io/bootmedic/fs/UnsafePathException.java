package io.bootmedic.fs;

import java.io.IOException;

/** A path bootmedic refuses to go through: a reparse point, a link, or an ambiguous name. */
public class UnsafePathException extends IOException {
    public UnsafePathException(String message) {
        super(message);
    }
}
