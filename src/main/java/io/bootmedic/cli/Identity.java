package io.bootmedic.cli;

import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.report.Report;

/** The identity probe the CLI uses. */
final class Identity {
    static final IdentityProbe DEFAULT = tree -> Report.Windows.UNKNOWN;

    private Identity() {
    }
}
