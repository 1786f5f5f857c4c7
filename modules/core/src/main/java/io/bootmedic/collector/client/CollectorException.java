package io.bootmedic.collector.client;

import java.io.IOException;

/** The collector could not be used; {@link #retryable()} tells a network or server hiccup from a refusal. */
public final class CollectorException extends IOException {
    private final boolean retryable;
    private final int status;
    private final long retryAfterMillis;

    CollectorException(String message, int status, boolean retryable) {
        this(message, status, retryable, -1);
    }

    CollectorException(String message, int status, boolean retryable, long retryAfterMillis) {
        super(message);
        this.status = status;
        this.retryable = retryable;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** The collector's Retry-After (429, 503) in milliseconds, or -1 when it gave none. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public boolean retryable() {
        return retryable;
    }

    public int status() {
        return status;
    }
}
