package io.bootmedic.diagnosis;

import io.bootmedic.format.FormatException;

/** A crash dump or servicing file that is not what its header or name claims; the message names the file and the field. */
public final class DumpFormatException extends FormatException {
    public DumpFormatException(String message) {
        super(message);
    }
}
