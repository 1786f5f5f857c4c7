package io.bootmedic.testutil;

import io.bootmedic.format.FormatException;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The contract of every parser under a fuzz or mutation test: it returns, or it throws its own
 * {@link FormatException} subtype with a message. Anything else (a RuntimeException, an
 * OutOfMemoryError, a bare IOException with a library's text) is a finding.
 */
public final class Hostile {
    @FunctionalInterface
    public interface Parse {
        void run() throws IOException;
    }

    private Hostile() {
    }

    /** Runs {@code parse}; a FormatException with a message is fine, anything else propagates as a failure. */
    public static void parseOrRefuse(Parse parse) {
        try {
            parse.run();
        } catch (FormatException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a FormatException without a message", e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a FormatException: " + e, e);
        }
    }
}
