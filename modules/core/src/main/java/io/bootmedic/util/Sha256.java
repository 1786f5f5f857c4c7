package io.bootmedic.util;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in the lower-case hex the reports and journals carry. Files in a FileTree: {@code fs.FileDigest}. */
public final class Sha256 {
    private Sha256() {
    }

    public static String of(byte[] data) {
        return HexFormat.of().formatHex(newDigest().digest(data));
    }

    /** Finishes {@code md} and gives its value in hex. */
    public static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-256", e);
        }
    }
}
