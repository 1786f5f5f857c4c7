package io.bootmedic.keys;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A BitLocker key ID: the GUID of a recovery-password protector, as the recovery screen, AD and
 * Entra show it. Parsed with or without braces, in any case; shown in upper case with braces.
 */
public record KeyId(String guid) {
    private static final Pattern GUID = Pattern.compile("[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}");
    private static final Pattern PREFIX = Pattern.compile("[0-9A-F]{8}");

    public static KeyId parse(String text) {
        String g = normalize(text);
        if (!GUID.matcher(g).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a key ID (a GUID like {64311DEA-4587-4029-924A-BA299647998E})");
        }
        return new KeyId(g);
    }

    public static String normalize(String text) {
        return text.strip().replace("{", "").replace("}", "").toUpperCase(Locale.ROOT);
    }

    /** Whether {@code query} (a whole key ID, or its first 8 hex digits as the recovery screen shows them) names this one. */
    public boolean matches(String query) {
        String q = normalize(query);
        return q.equals(guid) || (PREFIX.matcher(q).matches() && guid.startsWith(q));
    }

    public static boolean isQuery(String text) {
        String q = normalize(text);
        return GUID.matcher(q).matches() || PREFIX.matcher(q).matches();
    }

    /** A key ID as Windows shows it, in braces; one already in braces is left as it is. */
    public static String braced(String id) {
        return id.startsWith("{") ? id : "{" + id + "}";
    }

    public String display() {
        return "{" + guid + "}";
    }

    @Override
    public String toString() {
        return display();
    }
}
