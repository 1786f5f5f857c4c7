package io.bootmedic.collector;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A staged machine's readiness ({@code bootmedic.readiness/v1}, docs/design.md §8): which agent
 * sits in its WinRE, which playbook keys it trusts, and whether WinRE is on and has room. The
 * agent writes it ({@link #toJson()}); the collector reads it with {@link #parse(byte[])}, which
 * trusts nothing: unknown fields, wrong types and oversized values are refused by name.
 *
 * @param trustedKeys playbook key IDs (16 hex digits, {@code VerifyingKey.id()})
 * @param location    what reagentc /info printed as the Windows RE location, for the admin to read; may be null
 * @param refusedNoRoom the stager refused this machine because its recovery partition lacks room
 *                    for the agent and WinRE's own updates ({@code winre.refused: "no-room"})
 */
public record Readiness(String agentVersion, String computerName, String biosSerial, String vmId, List<String> trustedKeys,
                        WinReState state, boolean staged, long freeBytes, String location, long reportedAt, boolean refusedNoRoom) {
    public static final String SCHEMA = "bootmedic.readiness/v1";
    public static final int MAX_BYTES = 16 << 10;
    public static final int MAX_KEYS = 32;
    private static final int MAX_TEXT = 256;
    private static final int MAX_LOCATION = 512;
    /** 1 PiB: no recovery partition is larger; anything above is a broken or hostile number. */
    private static final long MAX_FREE_BYTES = 1L << 50;
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}");
    private static final Set<String> TOP = Set.of("schema", "agentVersion", "computerName", "biosSerial", "vmId", "trustedKeys", "winre", "reportedAt");
    private static final Set<String> WINRE = Set.of("state", "staged", "freeBytes", "location", "refused");
    /** The wire value of {@link #refusedNoRoom}. */
    public static final String NO_ROOM = "no-room";

    /** What reagentc /info says of Windows RE. */
    public enum WinReState {
        ENABLED("enabled"), DISABLED("disabled");

        private final String wire;

        WinReState(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static WinReState fromWire(String s) {
            for (WinReState w : values()) {
                if (w.wire.equals(s)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("WinRE state must be enabled or disabled (found: " + s + ")");
        }

        @Override
        public String toString() {
            return wire;
        }
    }

    /** Thrown for a body that is not an acceptable readiness report; the message names the field. */
    public static final class InvalidReadinessException extends io.bootmedic.format.FormatException {
        public InvalidReadinessException(String message) {
            super(message);
        }
    }

    public Readiness {
        trustedKeys = List.copyOf(trustedKeys);
    }

    /** A readiness without a refusal: staged, or not staged for another reason. */
    public Readiness(String agentVersion, String computerName, String biosSerial, String vmId, List<String> trustedKeys, WinReState state,
                     boolean staged, long freeBytes, String location, long reportedAt) {
        this(agentVersion, computerName, biosSerial, vmId, trustedKeys, state, staged, freeBytes, location, reportedAt, false);
    }

    public byte[] toJson() {
        Map<String, Object> winre = new LinkedHashMap<>();
        winre.put("state", state.wire());
        winre.put("staged", staged);
        winre.put("freeBytes", freeBytes);
        winre.put("location", location);
        if (refusedNoRoom) {
            winre.put("refused", NO_ROOM);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("agentVersion", agentVersion);
        m.put("computerName", computerName);
        m.put("biosSerial", biosSerial);
        m.put("vmId", vmId);
        m.put("trustedKeys", trustedKeys);
        m.put("winre", winre);
        m.put("reportedAt", Instant.ofEpochMilli(reportedAt).toString());
        return Json.write(m);
    }

    public static Readiness parse(byte[] body) throws InvalidReadinessException {
        if (body.length > MAX_BYTES) {
            throw new InvalidReadinessException("the body is larger than " + MAX_BYTES + " bytes");
        }
        Map<String, Object> m;
        try {
            m = Json.readObject(body);
        } catch (IOException | RuntimeException e) {
            throw new InvalidReadinessException("the body is not a JSON object");
        }
        onlyKnown(m, TOP, "");
        if (!SCHEMA.equals(m.get("schema"))) {
            throw new InvalidReadinessException("schema must be \"" + SCHEMA + "\"");
        }
        String version = text(m, "agentVersion", MAX_TEXT, true);
        if (!VERSION.matcher(version).matches()) {
            throw new InvalidReadinessException("agentVersion must be a version such as 1.4.0 (letters, digits, . + _ -; at most 64)");
        }
        // the name is what the repair reports carry too (from the offline hive): without it the two would not meet
        String name = text(m, "computerName", MAX_TEXT, true);
        if (blank(name)) {
            throw new InvalidReadinessException("computerName must not be empty");
        }
        String bios = text(m, "biosSerial", MAX_TEXT, false);
        String vm = text(m, "vmId", MAX_TEXT, false);
        Object keys = m.get("trustedKeys");
        if (!(keys instanceof List<?> list)) {
            throw new InvalidReadinessException("trustedKeys must be a list of key IDs (16 hex digits)");
        }
        if (list.size() > MAX_KEYS) {
            throw new InvalidReadinessException("trustedKeys: more than " + MAX_KEYS + " keys");
        }
        List<String> ids = new ArrayList<>();
        for (Object k : list) {
            if (!(k instanceof String s) || !KEY_ID.matcher(s).matches()) {
                throw new InvalidReadinessException("trustedKeys: each key ID must be 16 lower-case hex digits");
            }
            if (!ids.contains(s)) {
                ids.add(s);
            }
        }
        if (!(m.get("winre") instanceof Map<?, ?> w)) {
            throw new InvalidReadinessException("winre must be an object with state, staged, freeBytes");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> winre = (Map<String, Object>) w;
        onlyKnown(winre, WINRE, "winre.");
        WinReState state;
        try {
            state = WinReState.fromWire(text(winre, "state", 16, true));
        } catch (IllegalArgumentException e) {
            throw new InvalidReadinessException("winre.state must be enabled or disabled");
        }
        if (!(winre.get("staged") instanceof Boolean staged)) {
            throw new InvalidReadinessException("winre.staged must be true or false");
        }
        Object free = winre.get("freeBytes");
        if (!(free instanceof Integer || free instanceof Long) || ((Number) free).longValue() < 0 || ((Number) free).longValue() > MAX_FREE_BYTES) {
            throw new InvalidReadinessException("winre.freeBytes must be a whole number of bytes between 0 and " + MAX_FREE_BYTES);
        }
        String location = text(winre, "location", MAX_LOCATION, false);
        Object refused = winre.get("refused");
        if (refused != null && !NO_ROOM.equals(refused)) {
            throw new InvalidReadinessException("winre.refused must be \"" + NO_ROOM + "\" or absent");
        }
        if (refused != null && staged) {
            throw new InvalidReadinessException("winre.refused says staging was refused, but winre.staged is true");
        }
        long reportedAt;
        try {
            reportedAt = Instant.parse(text(m, "reportedAt", 64, true)).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidReadinessException("reportedAt must be an ISO-8601 UTC time such as 2026-01-05T08:00:00Z");
        }
        return new Readiness(version, emptyToNull(name), emptyToNull(bios), emptyToNull(vm), ids, state, staged, ((Number) free).longValue(),
                emptyToNull(location), reportedAt, refused != null);
    }

    private static void onlyKnown(Map<String, Object> m, Set<String> known, String prefix) throws InvalidReadinessException {
        String unknown = Json.firstUnknownField(m, known);
        if (unknown != null) {
            throw new InvalidReadinessException("unknown field " + prefix + unknown + " (this collector reads " + SCHEMA + ")");
        }
    }

    private static String text(Map<String, Object> m, String field, int max, boolean required) throws InvalidReadinessException {
        Object v = m.get(field);
        if (v == null) {
            if (required) {
                throw new InvalidReadinessException(field + " is missing");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new InvalidReadinessException(field + " must be a string");
        }
        if (s.length() > max) {
            throw new InvalidReadinessException(field + " is longer than " + max + " characters");
        }
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidReadinessException(field + " holds control characters");
        }
        return s;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String emptyToNull(String s) {
        return blank(s) ? null : s.strip();
    }

    /** For messages: never the whole record (nothing in it is secret, but it is long). */
    @Override
    public String toString() {
        return "Readiness[" + computerName + " " + agentVersion + " winre=" + state + (staged ? " staged" : "") + "]";
    }
}
