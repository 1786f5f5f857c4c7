package io.bootmedic.cli;

import io.bootmedic.registry.WindowsIdentityReader;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.report.Report;

import java.util.function.Supplier;

/** The identity probes the CLI uses: the Windows on a volume (registry), and the machine bootmedic runs on (SMBIOS). */
final class Identity {
    static final IdentityProbe DEFAULT = new WindowsIdentityReader();
    /** Unknown when the platform's native code does not load: who the machine is never stops a run or a readiness report. */
    static final Supplier<Report.Host> THIS_MACHINE = () -> {
        try {
            return ThisPlatform.get().machineIdentity().toHost();
        } catch (LinkageError e) {
            return Report.Host.UNKNOWN;
        }
    };

    private Identity() {
    }
}
