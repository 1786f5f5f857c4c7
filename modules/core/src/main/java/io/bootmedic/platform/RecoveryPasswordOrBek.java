package io.bootmedic.platform;

import io.bootmedic.keys.RecoveryPassword;

import java.util.Arrays;
import java.util.Objects;

/**
 * A key that can unlock a BitLocker volume: either a recovery password or the bytes of a .BEK
 * file, plus where it came from (for the report's {@code keySource}). Never prints the key.
 */
public final class RecoveryPasswordOrBek {
    private final RecoveryPassword password;
    private final byte[] bek;
    private final String source;

    private RecoveryPasswordOrBek(RecoveryPassword password, byte[] bek, String source) {
        this.password = password;
        this.bek = bek;
        this.source = Objects.requireNonNull(source, "source");
    }

    /** @param source bundle, key-file, collector, prompt or argument (docs/design.md §7) */
    public static RecoveryPasswordOrBek password(RecoveryPassword password, String source) {
        return new RecoveryPasswordOrBek(Objects.requireNonNull(password, "password"), null, source);
    }

    public static RecoveryPasswordOrBek bek(byte[] bek, String source) {
        return new RecoveryPasswordOrBek(null, Objects.requireNonNull(bek, "bek").clone(), source);
    }

    public boolean isPassword() {
        return password != null;
    }

    /** Null when this is a .BEK key. */
    public RecoveryPassword password() {
        return password;
    }

    /** A copy of the .BEK bytes; null when this is a recovery password. */
    public byte[] bekBytes() {
        return bek == null ? null : bek.clone();
    }

    public String source() {
        return source;
    }

    /** Overwrites the .BEK bytes once the volume is unlocked. */
    public void wipe() {
        if (bek != null) {
            Arrays.fill(bek, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return (password != null ? "RecoveryPassword" : "BEK") + "[hidden, from " + source + "]";
    }
}
