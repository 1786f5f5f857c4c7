package io.bootmedic.util;

import com.fasterxml.jackson.jr.ob.JSON;
import io.bootmedic.format.Printable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The agent's JSON: plain maps and lists through jackson-jr, which starts several times faster
 * than a databind ObjectMapper. Maps keep their insertion order, so documents read in the order
 * the contracts show them.
 */
public final class Json {
    private static final JSON PRETTY = JSON.builder()
            .enable(JSON.Feature.PRETTY_PRINT_OUTPUT)
            .enable(JSON.Feature.WRITE_NULL_PROPERTIES)
            .enable(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS)
            .build();

    private static final JSON COMPACT = JSON.builder().enable(JSON.Feature.WRITE_NULL_PROPERTIES).build();

    private Json() {
    }

    /** Serializes maps, lists, strings, numbers, booleans and nulls, pretty-printed, ending in a newline. */
    public static byte[] write(Object value) {
        try {
            return (PRETTY.asString(value) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Serializes on one line, without a trailing newline (log lines, API answers). */
    public static String line(Object value) {
        try {
            return COMPACT.asString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Parses a JSON object; anything else is an error. */
    public static Map<String, Object> readObject(byte[] json) throws IOException {
        Object value = PRETTY.anyFrom(json);
        if (!(value instanceof Map)) {
            throw new IOException("expected a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        return map;
    }

    /** Parses any JSON value into maps, lists, strings, numbers, booleans and nulls. */
    public static Object readAny(byte[] json) throws IOException {
        return PRETTY.anyFrom(json);
    }

    // Typed accessors: documents come from disks and sticks, so every field is checked, never cast blindly.

    public static String string(Map<String, Object> map, String field) {
        Object v = map.get(field);
        return v instanceof String s ? s : null;
    }

    public static long number(Map<String, Object> map, String field, long orElse) {
        Object v = map.get(field);
        return v instanceof Number n ? n.longValue() : orElse;
    }

    public static boolean bool(Map<String, Object> map, String field) {
        return Boolean.TRUE.equals(map.get(field));
    }

    /**
     * The first key of {@code map} not in {@code known}, made fit for an error message by
     * {@link Printable} (at most 40 characters), or null when every key is known.
     */
    public static String firstUnknownField(Map<String, Object> map, java.util.Set<String> known) {
        for (String k : map.keySet()) {
            if (!known.contains(k)) {
                return Printable.of(k, 40);
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> map, String field) {
        Object v = map.get(field);
        return v instanceof Map ? (Map<String, Object>) v : null;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> map, String field) {
        Object v = map.get(field);
        return v instanceof List ? (List<Object>) v : null;
    }
}
