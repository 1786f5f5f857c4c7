package io.bootmedic.playbook;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A public Ed25519 key an agent trusts playbooks from. The BouncyCastle type stays inside this package. */
public final class VerifyingKey {
    final Ed25519PublicKeyParameters key;

    VerifyingKey(Ed25519PublicKeyParameters key) {
        this.key = key;
    }

    /** Short, stable name of the key: the first 8 bytes of its SHA-256, in hex. */
    public String id() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "VerifyingKey[" + id() + "]";
    }
}
