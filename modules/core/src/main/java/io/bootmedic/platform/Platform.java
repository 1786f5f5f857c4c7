package io.bootmedic.platform;

import java.util.function.Consumer;

/** What bootmedic needs from the operating system it runs on. Built by {@link PlatformFactory}. */
public interface Platform {

    /** windows or linux. */
    String name();

    MachineIdentity machineIdentity();

    /**
     * The ports for working on this machine's own disks (--all); throws UnsupportedOperationException
     * where there are none (Linux: name the disk with --device).
     *
     * @param progress receives one line per notable choice (e.g. "using manage-bde, not WMI")
     */
    LocalVolumePorts localVolumes(Consumer<String> progress);

    /**
     * Loads this platform's native code now (JNA's own DLL on Windows), so a payload that lacks it
     * is found while it is staged, not in WinRE. Throws the LinkageError JNA throws.
     */
    default void checkNativeCode() {
    }

    /** In WinRE: where the target Windows is (its boot configuration). Unsupported where there is no WinRE. */
    default RecoveryTarget recoveryTarget() {
        throw new UnsupportedOperationException("no Windows Recovery Environment on " + name());
    }
}
