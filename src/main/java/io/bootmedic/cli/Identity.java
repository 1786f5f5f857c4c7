package io.bootmedic.cli;

import io.bootmedic.registry.WindowsIdentityReader;
import io.bootmedic.remediation.IdentityProbe;

/** The identity probe the CLI uses. */
final class Identity {
    static final IdentityProbe DEFAULT = new WindowsIdentityReader();

    private Identity() {
    }
}
