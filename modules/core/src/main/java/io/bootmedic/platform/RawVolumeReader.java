package io.bootmedic.platform;

import java.io.IOException;

/**
 * Reads the first bytes of a volume (also a locked one) so the pure-Java BitLocker metadata
 * reader can name the recovery key ID without WMI.
 */
public interface RawVolumeReader {

    /** Reads {@code length} bytes at {@code offset}; both must be multiples of the sector size on Windows. */
    byte[] read(String volume, long offset, int length) throws IOException;

    /** The first sectors: the boot sector, where BitLocker's "-FVE-FS-" signature lives. */
    default byte[] readBootSector(String volume) throws IOException {
        return read(volume, 0, 4096);
    }
}
