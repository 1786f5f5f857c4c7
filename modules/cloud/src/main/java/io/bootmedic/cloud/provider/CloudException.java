package io.bootmedic.cloud.provider;

/**
 * A refused or failed provider call, classified so the engine can answer it without knowing the cloud:
 * throttled and transient calls are retried with backoff (and a transient answer to a write may mean it was applied),
 * a conflict is the cloud refusing what the current state does not allow, and the rest fail the step.
 */
public final class CloudException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** How the engine answers the failure. */
    public enum Kind {
        /** 429, RequestLimitExceeded, rateLimitExceeded: retry after a backoff. */
        THROTTLED,
        /** 5xx, a dropped connection: retry after a backoff; a write may or may not have been applied. */
        TRANSIENT,
        /** The name is taken: look the resource up and reuse it only when its tags say it is this run's. */
        ALREADY_EXISTS,
        /** No such resource (or not visible yet). */
        NOT_FOUND,
        /** The current state does not allow it: attach an attached disk, delete an in-use disk, start a VM without a boot disk. */
        CONFLICT,
        /** Anything else: not retried. */
        FATAL
    }

    private final Kind kind;

    public CloudException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return kind == Kind.THROTTLED || kind == Kind.TRANSIENT;
    }
}
