package io.bootmedic.collector.http;

import io.bootmedic.collector.store.PlaybookScope;
import io.bootmedic.collector.store.ReportSummary;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /api/v1/playbooks}: {@code {"playbook":base64,"signature":base64,"scope":{...}}}.
 * Read strictly (one JSON object, nothing after it, well-formed UTF-8, known fields only); the
 * signature is checked by the caller, against the collector's trusted keys.
 */
public record PublishRequest(byte[] playbook, byte[] signature, PlaybookScope scope) {
    /** A playbook of at most 1 MiB, base64 (4/3), its signature and a scope of 10 000 names fit well below this. */
    public static final int MAX_BYTES = 3 << 20;
    private static final Set<String> FIELDS = Set.of("playbook", "signature", "scope");

    /** A body that is not a publish request; the message says which part and is safe to send back. */
    public static final class InvalidPublishException extends io.bootmedic.format.FormatException {
        public InvalidPublishException(String message) {
            super(message);
        }
    }

    public static PublishRequest parse(byte[] body) throws InvalidPublishException {
        if (body.length > MAX_BYTES) {
            throw new InvalidPublishException("the body is larger than " + MAX_BYTES + " bytes");
        }
        try {
            StrictJson.check(body);
        } catch (ReportSummary.InvalidReportException e) {
            throw new InvalidPublishException(e.getMessage());
        }
        Map<String, Object> m;
        try {
            m = Json.readObject(body);
        } catch (IOException | RuntimeException e) {
            throw new InvalidPublishException("the body is not a JSON object {\"playbook\":base64,\"signature\":base64,\"scope\":{...}}");
        }
        String unknown = Json.firstUnknownField(m, FIELDS);
        if (unknown != null) {
            throw new InvalidPublishException("unknown field " + unknown + " (a publish request has playbook, signature, scope)");
        }
        byte[] playbook = base64(m, "playbook", true);
        if (playbook.length == 0) {
            throw new InvalidPublishException("'playbook' is empty");
        }
        // no signature is read as an empty one, so the verification says "not signed" rather than "malformed"
        byte[] signature = base64(m, "signature", false);
        try {
            return new PublishRequest(playbook, signature, PlaybookScope.parse(Json.object(m, "scope")));
        } catch (PlaybookScope.InvalidScopeException e) {
            throw new InvalidPublishException(e.getMessage());
        }
    }

    private static byte[] base64(Map<String, Object> m, String field, boolean required) throws InvalidPublishException {
        Object v = m.get(field);
        if (v == null && !required) {
            return new byte[0];
        }
        if (!(v instanceof String text)) {
            throw new InvalidPublishException("'" + field + "' must be the base64 of the " + (field.equals("playbook") ? "playbook file" : ".sig file"));
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidPublishException("'" + field + "' is not valid base64");
        }
    }
}
