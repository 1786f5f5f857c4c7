package io.bootmedic.playbook;

import io.bootmedic.util.Json;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import java.io.IOException;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A detached Ed25519 signature over the exact bytes of a playbook file, kept beside it as
 * {@code <playbook>.sig}: {@code {"algorithm":"Ed25519","keyId":"…","signature":"base64"}}.
 * Signing the bytes (not re-serialized JSON) means no canonicalization can be got wrong.
 */
public final class PlaybookSignature {
    private PlaybookSignature() {
    }

    public static byte[] sign(byte[] playbook, SigningKey signingKey) {
        Ed25519PrivateKeyParameters key = signingKey.key;
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(playbook, 0, playbook.length);
        Map<String, Object> sig = new LinkedHashMap<>();
        sig.put("algorithm", "Ed25519");
        sig.put("keyId", signingKey.verifyingKey().id());
        sig.put("signature", Base64.getEncoder().encodeToString(signer.generateSignature()));
        return Json.write(sig);
    }

    /**
     * Checks that {@code signatureFile} is a valid signature of {@code playbook} by one of
     * {@code trusted}; returns the key ID that signed it.
     */
    public static String verify(byte[] playbook, byte[] signatureFile, Collection<VerifyingKey> trusted, String source)
            throws PlaybookException {
        Map<String, Object> sig;
        try {
            sig = Json.readObject(signatureFile);
        } catch (IOException e) {
            throw new PlaybookException("the signature file of " + source + " is not valid JSON; re-sign the playbook with 'bootmedic playbook sign'");
        }
        if (!"Ed25519".equals(Json.string(sig, "algorithm")) || Json.string(sig, "signature") == null) {
            throw new PlaybookException("the signature file of " + source + " is not an Ed25519 bootmedic signature; re-sign it with 'bootmedic playbook sign'");
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(Json.string(sig, "signature"));
        } catch (IllegalArgumentException e) {
            throw new PlaybookException("the signature of " + source + " is not valid base64");
        }
        String keyId = String.valueOf(Json.string(sig, "keyId"));
        boolean knownKey = false;
        for (VerifyingKey trustedKey : trusted) {
            Ed25519PublicKeyParameters key = trustedKey.key;
            if (!trustedKey.id().equals(keyId)) {
                continue;
            }
            knownKey = true;
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, key);
            verifier.update(playbook, 0, playbook.length);
            if (verifier.verifySignature(signature)) {
                return keyId;
            }
        }
        if (!knownKey) {
            throw new PlaybookException("playbook " + source + " is signed by key " + keyId + ", which is not trusted here"
                    + (trusted.isEmpty() ? " (no trusted keys are configured: pass --trusted-key FILE)" : " (pass its public key with --trusted-key FILE)"));
        }
        throw new PlaybookException("playbook " + source + " does not match its signature: it was changed after signing (or the .sig belongs to another file). "
                + "Do not use it; get the playbook again from its publisher.");
    }
}
