package io.bootmedic.registry.edit;

import io.bootmedic.registry.HiveFormatException;

/** A hive or transaction log that cannot be trusted for a write; the message is one line naming the file and the problem. */
public final class HiveLogException extends HiveFormatException {
    public HiveLogException(String message) {
        super(message);
    }

    public HiveLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
