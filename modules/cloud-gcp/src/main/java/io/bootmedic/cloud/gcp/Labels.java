package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine's tags as GCP labels, and back, exactly. Label keys and values allow only lower-case letters, digits, '-'
 * and '_' (keys start with a letter), at most 63 characters each: an upper-case letter X is written "_x" and '_' is
 * written "__", so every tag the engine can make comes back unchanged; anything else is refused, never altered.
 */
final class Labels {
    static final int MAX = 63;

    private Labels() {
    }

    static Map<String, String> encode(Map<String, String> tags) {
        Map<String, String> out = new LinkedHashMap<>();
        tags.forEach((k, v) -> {
            String key = encodeOne(k);
            String value = encodeOne(v);
            if (key.isEmpty() || !Character.isLowerCase(key.charAt(0)) || key.length() > MAX || value.length() > MAX) {
                throw new CloudException(Kind.FATAL, "the tag " + k + "=" + v + " cannot be a GCP label (a key starts with a lower-case letter; "
                        + MAX + " characters at most)");
            }
            out.put(key, value);
        });
        return out;
    }

    /** Labels as the engine wrote them (bootmedic-*); anyone else's label is returned as it is. */
    static Map<String, String> decode(Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (k.startsWith("bootmedic-")) {
                out.put(decodeOne(k), decodeOne(v));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    private static String encodeOne(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                b.append(c);
            } else if (c == '_') {
                b.append("__");
            } else if (c >= 'A' && c <= 'Z') {
                b.append('_').append((char) (c - 'A' + 'a'));
            } else {
                throw new CloudException(Kind.FATAL, "'" + s + "' has a character GCP labels cannot hold (" + c + ")");
            }
        }
        return b.toString();
    }

    private static String decodeOne(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_' && i + 1 < s.length()) {
                char n = s.charAt(i + 1);
                if (n == '_') {
                    b.append('_');
                    i++;
                    continue;
                }
                if (n >= 'a' && n <= 'z') {
                    b.append((char) (n - 'a' + 'A'));
                    i++;
                    continue;
                }
            }
            if (c == '_') {
                return s; // not written by encode: as it is
            }
            b.append(c);
        }
        return b.toString();
    }
}
