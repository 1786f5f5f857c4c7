package io.bootmedic.cloud.provider;

/**
 * The cloud did not accept who we are: no credentials found, expired, or refused. Never retried; the route commands
 * answer it with exit 3 ("log in first"), as the scripts did.
 */
public final class CloudLoginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CloudLoginException(String message) {
        super(message);
    }
}
