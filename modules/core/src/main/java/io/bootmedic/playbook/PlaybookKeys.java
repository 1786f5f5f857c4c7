package io.bootmedic.playbook;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Ed25519 key files for signing playbooks. One line each:
 * {@code bootmedic-ed25519-public <base64>} and {@code bootmedic-ed25519-private <base64>}.
 */
public final class PlaybookKeys {
    static final String PUBLIC_PREFIX = "bootmedic-ed25519-public";
    static final String PRIVATE_PREFIX = "bootmedic-ed25519-private";

    private PlaybookKeys() {
    }

    public static String publicKeyLine(VerifyingKey key) {
        return PUBLIC_PREFIX + " " + Base64.getEncoder().encodeToString(key.key.getEncoded()) + " " + key.id() + "\n";
    }

    public static String privateKeyLine(SigningKey key) {
        return PRIVATE_PREFIX + " " + Base64.getEncoder().encodeToString(key.key.getEncoded()) + "\n";
    }

    public static VerifyingKey readPublic(Path file) throws PlaybookException {
        return new VerifyingKey(new Ed25519PublicKeyParameters(readKey(file, PUBLIC_PREFIX, "public")));
    }

    public static SigningKey readPrivate(Path file) throws PlaybookException {
        return new SigningKey(new Ed25519PrivateKeyParameters(readKey(file, PRIVATE_PREFIX, "private")));
    }

    private static byte[] readKey(Path file, String prefix, String kind) throws PlaybookException {
        String text = new String(PlaybookLoader.read(file, kind + " key file", 64 * 1024), StandardCharsets.UTF_8).trim();
        String[] fields = text.split("\\s+");
        if (fields.length < 2 || !fields[0].equals(prefix)) {
            throw new PlaybookException(file + " is not a bootmedic " + kind + " key (expected a line starting with '" + prefix + "'; make one with 'bootmedic playbook keygen')");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(fields[1]);
        } catch (IllegalArgumentException e) {
            throw new PlaybookException(file + ": the key is not valid base64");
        }
        if (raw.length != 32) {
            throw new PlaybookException(file + ": an Ed25519 key has 32 bytes, this one has " + raw.length);
        }
        return raw;
    }
}
