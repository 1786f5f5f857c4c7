package io.bootmedic.keys;

import io.bootmedic.format.FormatException;

/** A key export that cannot be read at all (too big, not text, broken CSV); single bad rows are RowProblems instead. */
public class KeyFileException extends FormatException {
    public KeyFileException(String message) {
        super(message);
    }
}
