package io.bootmedic.platform;

import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Protector;

import java.io.IOException;
import java.util.List;

/**
 * Reads the recovery-password protector IDs straight from a BitLocker volume's FVE metadata, so
 * a locked volume's key ID can be named even where WMI and manage-bde are missing. Only the
 * plaintext metadata is read; nothing is decrypted. Every offset and size is bounds-checked and
 * each of the three metadata copies is verified by its CRC-32 before use.
 */

public final class BitLockerKeyIds {

    private BitLockerKeyIds() {
    }

    /** True when the boot sector carries BitLocker's signature (also BitLocker To Go). */
    public static boolean isBitLocker(byte[] bootSector) {
        return bootSector.length >= 512 && BitLockerMetadata.looksLikeBitLocker(bootSector);
    }

    /**
     * The recovery-password protector IDs as {@code {GUID}} upper case, in metadata order, read by
     * the same metadata reader the offline repair uses (CRC-checked copies, bounds-checked entries).
     *
     * @throws IOException when the volume is not BitLocker or no metadata copy is intact
     */
    public static List<String> recoveryPasswordIds(RawVolumeReader reader, String volume) throws IOException {
        if (!isBitLocker(reader.readBootSector(volume))) {
            throw new IOException(volume + " has no BitLocker signature in its boot sector: it is not a BitLocker volume");
        }
        BitLockerMetadata md;
        try {
            md = BitLockerMetadata.read(new RawVolumeDevice(reader, volume));
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " Take the key ID from the recovery screen instead.", e);
        }
        return md.protectors.stream().filter(p -> p.type() == Protector.RECOVERY_PASSWORD).map(p -> "{" + p.id() + "}").toList();
    }
}
