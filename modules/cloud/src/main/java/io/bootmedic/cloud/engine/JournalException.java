package io.bootmedic.cloud.engine;

/** A journal that cannot be trusted: one line naming the file, the line and what is wrong; nothing is done. */
public final class JournalException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JournalException(String message) {
        super(message);
    }
}
