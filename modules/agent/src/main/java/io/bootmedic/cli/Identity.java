package io.bootmedic.cli;

import io.bootmedic.registry.WindowsIdentityReader;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.report.Report;

import java.util.function.Supplier;

/** The identity probes the CLI uses: the Windows on a volume (registry), and the machine bootmedic runs on (SMBIOS). */
final class Identity {
    static final IdentityProbe DEFAULT = new WindowsIdentityReader();
    static final Supplier<Report.Host> THIS_MACHINE = () -> ThisPlatform.get().machineIdentity().toHost();

    private Identity() {
    }
}
