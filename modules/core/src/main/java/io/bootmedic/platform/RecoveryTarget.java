package io.bootmedic.platform;

import java.io.IOException;

/** In WinRE: which volume holds the Windows this recovery environment was started for. */
public interface RecoveryTarget {
    /**
     * The target Windows' volume as the boot configuration names it: a drive ("C:") or an NT
     * device path ("\Device\HarddiskVolume3"). Throws, saying why, when it cannot be told.
     */
    String osDevice() throws IOException;
}
