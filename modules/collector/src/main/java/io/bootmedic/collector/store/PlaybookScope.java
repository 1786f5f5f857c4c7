package io.bootmedic.collector.store;

import io.bootmedic.util.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which machines a published playbook is targeted at. Scoping is targeting, not secrecy: any
 * agent token could ask with any name, and agents verify every playbook's signature anyway.
 */
public record PlaybookScope(Kind kind, String key, String value, List<String> machines) {
    public enum Kind {
        ALL, TAG, MACHINES;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final int MAX_MACHINES = 10_000;
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern TAG_VALUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    public static final PlaybookScope ALL = new PlaybookScope(Kind.ALL, null, null, List.of());

    /** A scope that is not acceptable; the message names the field. */
    public static final class InvalidScopeException extends io.bootmedic.format.FormatException {
        public InvalidScopeException(String message) {
            super(message);
        }
    }

    /** From the API's JSON object; every field checked. */
    public static PlaybookScope parse(Map<String, Object> m) throws InvalidScopeException {
        if (m == null) {
            throw new InvalidScopeException("scope must be an object: {\"kind\":\"all\"}, {\"kind\":\"tag\",\"key\":\"K\",\"value\":\"V\"} "
                    + "or {\"kind\":\"machines\",\"machines\":[\"NAME\",...]}");
        }
        String kind = Json.string(m, "kind");
        if ("all".equals(kind)) {
            return ALL;
        }
        if ("tag".equals(kind)) {
            String key = Json.string(m, "key");
            String value = Json.string(m, "value");
            if (key == null || !TAG_KEY.matcher(key).matches() || value == null || !TAG_VALUE.matcher(value).matches()) {
                throw new InvalidScopeException("a tag scope needs key (1-64 letters, digits, '_', '.', '-') and value (1-128 of those or ':')");
            }
            return new PlaybookScope(Kind.TAG, key, value, List.of());
        }
        if ("machines".equals(kind)) {
            List<Object> list = Json.list(m, "machines");
            if (list == null || list.isEmpty()) {
                throw new InvalidScopeException("a machines scope needs a non-empty list 'machines' of computer names, BIOS serials or VM ids");
            }
            if (list.size() > MAX_MACHINES) {
                throw new InvalidScopeException("a machines scope lists at most " + MAX_MACHINES + " machines (found " + list.size() + "); use a tag instead");
            }
            List<String> names = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s) || !io.bootmedic.collector.Enrolment.isMachineName(s.strip())) {
                    throw new InvalidScopeException("machines: each entry must be a computer name, BIOS serial or VM id (1-128 letters, digits, ' _.:{}-')");
                }
                names.add(s.strip());
            }
            return new PlaybookScope(Kind.MACHINES, null, null, List.copyOf(names));
        }
        throw new InvalidScopeException("scope kind must be all, tag or machines");
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.wire());
        if (kind == Kind.TAG) {
            m.put("key", key);
            m.put("value", value);
        } else if (kind == Kind.MACHINES) {
            m.put("machines", machines);
        }
        return m;
    }

    /** Who is asking: names compare case-insensitively, as Windows does. */
    public record Asker(String computerName, String biosSerial, String vmId, Map<String, String> tags) {
    }

    public boolean matches(Asker who) {
        return switch (kind) {
            case ALL -> true;
            case TAG -> value.equals(who.tags().get(key));
            case MACHINES -> machines.stream().anyMatch(m -> m.equalsIgnoreCase(nullToEmpty(who.computerName()))
                    || m.equalsIgnoreCase(nullToEmpty(who.biosSerial())) || m.equalsIgnoreCase(nullToEmpty(who.vmId())));
        };
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s.strip();
    }
}
