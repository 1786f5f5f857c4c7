package io.bootmedic.remediation;

import io.bootmedic.format.FormatException;

/** A journal file that bootmedic did not write as it stands: damaged, hand-edited or planted. */
public class JournalFormatException extends FormatException {
    public JournalFormatException(String message) {
        super(message);
    }
}
