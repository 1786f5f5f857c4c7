package io.bootmedic.playbook;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A playbook as the collector publishes it: its exact bytes and its detached signature. The same
 * check runs on both sides: the collector refuses to publish what it cannot verify, and the agent
 * verifies again against the keys on its own media, because the collector is never trusted alone.
 */
public final class PublishedPlaybook {
    /** Where a collector playbook's rules came from, in reports. */
    public static final String SOURCE = "collector";

    private PublishedPlaybook() {
    }

    /** Whether {@code text} has the shape of a publication id (what {@link #publicationId} makes); null is not one. */
    public static boolean isPublicationId(String text) {
        return text != null && text.matches("[0-9a-f]{16}");
    }

    /** The publication id: the first 16 hex digits of the SHA-256 of the playbook's bytes. */
    public static String publicationId(byte[] playbook) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(playbook), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks size, signature (by one of {@code trusted}) and content; returns the playbook marked as
     * coming from the collector. {@code publication}, when given, must be the id of these very bytes.
     */
    public static Playbook verify(String publication, byte[] playbook, byte[] signature, List<VerifyingKey> trusted) throws PlaybookException {
        String what = publication == null ? "the uploaded playbook" : "collector playbook " + publication;
        if (playbook.length > PlaybookLoader.MAX_PLAYBOOK_BYTES) {
            throw new PlaybookException(what + " has " + playbook.length + " bytes; a playbook has at most " + PlaybookLoader.MAX_PLAYBOOK_BYTES);
        }
        if (signature == null || signature.length == 0) {
            throw new PlaybookException(what + " is not signed; sign it with 'bootmedic playbook sign --key KEY FILE' and publish FILE with FILE.sig beside it");
        }
        if (signature.length > PlaybookLoader.MAX_SIGNATURE_BYTES) {
            throw new PlaybookException("the signature of " + what + " has " + signature.length + " bytes; a signature file has at most "
                    + PlaybookLoader.MAX_SIGNATURE_BYTES);
        }
        String keyId = PlaybookSignature.verify(playbook, signature, trusted, what);
        if (publication != null && !publication.equals(publicationId(playbook))) {
            throw new PlaybookException(what + " does not hash to its publication id: the collector served other bytes than it published");
        }
        return PlaybookParser.parse(playbook, what).from(SOURCE, publicationId(playbook), keyId);
    }
}
