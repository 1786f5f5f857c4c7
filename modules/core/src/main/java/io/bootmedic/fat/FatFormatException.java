package io.bootmedic.fat;

import io.bootmedic.format.FormatException;

/** A FAT volume or directory that does not check out; the message names the volume and the problem. */
public class FatFormatException extends FormatException {
    public FatFormatException(String message) {
        super(message);
    }
}
