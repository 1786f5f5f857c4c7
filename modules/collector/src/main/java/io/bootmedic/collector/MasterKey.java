package io.bootmedic.collector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that seals escrowed recovery passwords at rest (AES-256-GCM, the key ID as associated
 * data so a sealed password cannot be moved to another key ID). It lives in a file beside the
 * database, never in it: a stolen database alone reveals no password.
 */
public final class MasterKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    private MasterKey(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    public static byte[] generate() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return k;
    }

    public static MasterKey load(Path file) throws IOException {
        byte[] k = Files.readAllBytes(file);
        if (k.length != 32) {
            throw new IOException(file + " is not a collector master key (expected 32 bytes, found " + k.length + "); "
                    + "it is made by 'bootmedic collector init'");
        }
        return new MasterKey(k);
    }

    public String seal(String keyId, String secret) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.US_ASCII));
            byte[] out = new byte[12 + ct.length];
            System.arraycopy(nonce, 0, out, 0, 12);
            System.arraycopy(ct, 0, out, 12, ct.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this Java runtime", e);
        }
    }

    /** Opens a sealed secret; a wrong master key or a tampered row is an error, never garbage. */
    public String open(String keyId, String sealed) throws GeneralSecurityException {
        byte[] in = Base64.getDecoder().decode(sealed);
        if (in.length < 12 + 16) {
            throw new GeneralSecurityException("sealed value too short");
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
        c.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
        return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.US_ASCII);
    }
}
