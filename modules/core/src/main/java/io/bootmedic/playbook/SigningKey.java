package io.bootmedic.playbook;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

import java.security.SecureRandom;

/** A playbook author's private Ed25519 key. The BouncyCastle type stays inside this package. */
public final class SigningKey {
    final Ed25519PrivateKeyParameters key;

    SigningKey(Ed25519PrivateKeyParameters key) {
        this.key = key;
    }

    /** A new random key. */
    public static SigningKey generate() {
        return new SigningKey(new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    /** The public half, which agents trust. */
    public VerifyingKey verifyingKey() {
        return new VerifyingKey(key.generatePublicKey());
    }

    @Override
    public String toString() {
        // never the key itself, in a log or an exception
        return "SigningKey[" + verifyingKey().id() + "]";
    }
}
