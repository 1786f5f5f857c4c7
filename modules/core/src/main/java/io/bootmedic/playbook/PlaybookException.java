package io.bootmedic.playbook;

/** A playbook that cannot be used: unreadable, invalid, unsafe, or not signed by a trusted key. */
public class PlaybookException extends io.bootmedic.format.FormatException {
    public PlaybookException(String message) {
        super(message);
    }

    public PlaybookException(String message, Throwable cause) {
        super(message, cause);
    }
}
