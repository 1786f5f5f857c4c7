package io.bootmedic.collector.client;

import java.io.IOException;

/** The collector could not be used; {@link #retryable()} tells a network or server hiccup from a refusal. */
public final class CollectorException extends IOException {
    private final boolean retryable;
    private final int status;

    CollectorException(String message, int status, boolean retryable) {
        super(message);
        this.status = status;
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }

    public int status() {
        return status;
    }
}
