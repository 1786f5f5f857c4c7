package io.bootmedic.volumes;

import java.io.IOException;

/** A target that cannot be opened at all (missing path, not a directory, unreadable image). */
public class TargetException extends IOException {
    public TargetException(String message) {
        super(message);
    }

    public TargetException(String message, Throwable cause) {
        super(message, cause);
    }
}
