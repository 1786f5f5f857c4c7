package io.bootmedic.registry;


/** A registry hive that is damaged or not a hive at all; the message says where. */
public class HiveFormatException extends io.bootmedic.format.FormatException {
    public HiveFormatException(String message) {
        super(message);
    }

    public HiveFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
