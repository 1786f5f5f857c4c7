package io.bootmedic.bitlocker;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The sector encryption methods (the FVEK's key type, as in dissect.fve's {@code FVE_KEY_TYPE}),
 * with where in the FVEK each key lies: Elephant keeps the AES key in the first 32 bytes and the
 * diffuser (tweak) key in the last 32, of which the 128-bit variant uses 16 each.
 */
public enum EncryptionMethod {
    AES_CBC_128_ELEPHANT(0x8000, "AES-CBC-128 with Elephant diffuser", 0, 16, 32, 48),
    AES_CBC_256_ELEPHANT(0x8001, "AES-CBC-256 with Elephant diffuser", 0, 32, 32, 64),
    AES_CBC_128(0x8002, "AES-CBC-128", 0, 16, 0, 0),
    AES_CBC_256(0x8003, "AES-CBC-256", 0, 32, 0, 0),
    XTS_AES_128(0x8004, "XTS-AES-128", 0, 16, 16, 32),
    XTS_AES_256(0x8005, "XTS-AES-256", 0, 32, 32, 64);

    public final int id;
    /** As manage-bde names it. */
    public final String windowsName;
    private final int keyFrom;
    private final int keyTo;
    private final int tweakFrom;
    private final int tweakTo;

    EncryptionMethod(int id, String windowsName, int keyFrom, int keyTo, int tweakFrom, int tweakTo) {
        this.id = id;
        this.windowsName = windowsName;
        this.keyFrom = keyFrom;
        this.keyTo = keyTo;
        this.tweakFrom = tweakFrom;
        this.tweakTo = tweakTo;
    }

    public static Optional<EncryptionMethod> of(int id) {
        return Arrays.stream(values()).filter(m -> m.id == id).findFirst();
    }

    /** How many bytes of FVEK the method needs. */
    public int fvekLength() {
        return Math.max(keyTo, tweakTo);
    }

    /** The AES data key. */
    byte[] key(byte[] fvek) throws BitLockerFormatException {
        return slice(fvek, keyFrom, keyTo);
    }

    /** The XTS tweak key or the Elephant diffuser key; empty for plain CBC. */
    byte[] tweakKey(byte[] fvek) throws BitLockerFormatException {
        return slice(fvek, tweakFrom, tweakTo);
    }

    private byte[] slice(byte[] fvek, int from, int to) throws BitLockerFormatException {
        if (fvek == null || fvek.length < fvekLength()) {
            throw new BitLockerFormatException(String.format(Locale.ROOT, "the volume key holds %d bytes, %s needs %d: the metadata is damaged",
                    fvek == null ? 0 : fvek.length, windowsName, fvekLength()));
        }
        return Arrays.copyOfRange(fvek, from, to);
    }

    /** The name for a raw id: the method's, or "unknown (0x....)". */
    public static String nameOf(int id) {
        return of(id).map(m -> m.windowsName).orElse(String.format(Locale.ROOT, "unknown (0x%04X)", id));
    }
}
