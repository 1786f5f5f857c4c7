package io.bootmedic.cli;

/** A command line that cannot work as given; exits 2 with the message. */
public class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message);
    }
}
