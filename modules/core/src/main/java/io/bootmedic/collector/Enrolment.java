package io.bootmedic.collector;

import io.bootmedic.keys.KeyId;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A machine asking for its own credential ({@code bootmedic.enrol/v1}, docs/self-healing.md §1):
 * who it is, its agent.conf tags, and the key IDs of its BitLocker recovery passwords. The agent
 * writes it ({@link #toJson()}); the collector reads it with {@link #parse(byte[])}, which trusts
 * nothing: unknown fields, wrong types and oversized values are refused by name.
 */
public record Enrolment(String computerName, String biosSerial, String vmId, Map<String, String> tags, List<String> keyIds) {
    public static final String SCHEMA = "bootmedic.enrol/v1";
    public static final int MAX_BYTES = 16 << 10;
    public static final int MAX_KEY_IDS = 64;
    private static final int MAX_TEXT = 128;
    /** A computer name, BIOS serial or VM id as a playbook scope lists it; an enrolled name must be one a scope can name. */
    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} _.:{}-]{0,127}");
    private static final Set<String> TOP = Set.of("schema", "computerName", "biosSerial", "vmId", "tags", "keyIds");

    /** Thrown for a body that is not an acceptable enrolment; the message names the field. */
    public static final class InvalidEnrolmentException extends io.bootmedic.format.FormatException {
        public InvalidEnrolmentException(String message) {
            super(message);
        }
    }

    /** Whether {@code name} is one a machines scope may list and a machine may enrol under (one rule for both). */
    public static boolean isMachineName(String name) {
        return NAME.matcher(name).matches();
    }

    public Enrolment {
        tags = Map.copyOf(tags);
        keyIds = List.copyOf(keyIds);
    }

    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("computerName", computerName);
        m.put("biosSerial", biosSerial);
        m.put("vmId", vmId);
        m.put("tags", new TreeMap<>(tags));
        m.put("keyIds", keyIds);
        return Json.write(m);
    }

    public static Enrolment parse(byte[] body) throws InvalidEnrolmentException {
        if (body.length > MAX_BYTES) {
            throw new InvalidEnrolmentException("the body is larger than " + MAX_BYTES + " bytes");
        }
        Map<String, Object> m;
        try {
            m = Json.readObject(body);
        } catch (IOException | RuntimeException e) {
            throw new InvalidEnrolmentException("the body is not a JSON object");
        }
        String unknown = Json.firstUnknownField(m, TOP);
        if (unknown != null) {
            throw new InvalidEnrolmentException("unknown field " + unknown + " (this collector reads " + SCHEMA + ")");
        }
        if (!SCHEMA.equals(m.get("schema"))) {
            throw new InvalidEnrolmentException("schema must be \"" + SCHEMA + "\"");
        }
        String name = text(m, "computerName", true);
        if (!isMachineName(name)) {
            throw new InvalidEnrolmentException("computerName must be a computer name (1-128 letters, digits, ' _.:{}-')");
        }
        String bios = text(m, "biosSerial", false);
        String vm = text(m, "vmId", false);
        Map<String, String> tags = new LinkedHashMap<>();
        Object t = m.get("tags");
        if (t != null) {
            if (!(t instanceof Map<?, ?> tm) || tm.size() > AgentConfig.MAX_TAGS) {
                throw new InvalidEnrolmentException("tags must be an object of at most " + AgentConfig.MAX_TAGS + " KEY: VALUE strings");
            }
            for (Map.Entry<?, ?> e : tm.entrySet()) {
                if (!(e.getValue() instanceof String v) || !(e.getKey() instanceof String k) || k.isEmpty() || k.length() > 64 || v.length() > MAX_TEXT
                        || controls(k) || controls(v)) {
                    throw new InvalidEnrolmentException("tags: each tag is a KEY (1-64 characters) with a string VALUE (at most 128), no control characters");
                }
                tags.put(k, v);
            }
        }
        if (!(m.get("keyIds") instanceof List<?> list)) {
            throw new InvalidEnrolmentException("keyIds must be a list of BitLocker key IDs (GUIDs), empty for a machine without BitLocker");
        }
        if (list.size() > MAX_KEY_IDS) {
            throw new InvalidEnrolmentException("keyIds: more than " + MAX_KEY_IDS + " key IDs");
        }
        List<String> ids = new ArrayList<>();
        for (Object k : list) {
            String id;
            try {
                id = k instanceof String s && s.length() <= 40 ? KeyId.parse(s).guid() : null;
            } catch (IllegalArgumentException e) {
                id = null;
            }
            if (id == null) {
                throw new InvalidEnrolmentException("keyIds: each must be a whole BitLocker key ID, a GUID such as 64311DEA-4587-4029-924A-BA299647998E");
            }
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        return new Enrolment(name.strip(), bios, vm, tags, ids);
    }

    private static String text(Map<String, Object> m, String field, boolean required) throws InvalidEnrolmentException {
        Object v = m.get(field);
        if (v == null || (v instanceof String s0 && s0.isBlank() && !required)) {
            if (required) {
                throw new InvalidEnrolmentException(field + " is missing");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new InvalidEnrolmentException(field + " must be a string");
        }
        if (s.length() > MAX_TEXT) {
            throw new InvalidEnrolmentException(field + " is longer than " + MAX_TEXT + " characters");
        }
        if (controls(s)) {
            throw new InvalidEnrolmentException(field + " holds control characters");
        }
        return s.strip();
    }

    private static boolean controls(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }
}
