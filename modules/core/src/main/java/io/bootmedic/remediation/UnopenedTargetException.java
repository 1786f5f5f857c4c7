package io.bootmedic.remediation;

import java.io.IOException;

/**
 * A target that could not be opened at all, for a reason the run must still report (the
 * platform's native code did not load): {@link TargetRunner} turns it into a failed report with
 * this message as its error, instead of an exception with no report.
 */
public final class UnopenedTargetException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnopenedTargetException(String message, Throwable cause) {
        super(message, cause);
    }
}
