package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;
import io.bootmedic.util.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The repair actions of a playbook rule, as strictly as file rules: each action has its own fields and no others, every
 * name and path is checked before anything could use it, and a value the agent could not write exactly is refused.
 */
final class RepairRuleParser {
    static final Set<String> ACTIONS = Set.of("disable-service", "remove-filter", "set-registry", "safe-mode", "boot-status-policy",
            "revert-pending-updates", "remove-package");

    // a service or driver name as the Services key holds it: no path separators, no control characters
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\- ]{1,256}");
    private static final Pattern GUID = Pattern.compile("\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}");
    private static final Pattern KEY_PART = Pattern.compile("[^\\\\/\\p{Cntrl}]{1,255}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9_~.*?\\-]{1,255}");
    static final int MAX_KEY = 1024;
    static final int MAX_STRING = 4096;
    static final int MAX_STRINGS = 256;

    private RepairRuleParser() {
    }

    static RepairRule parse(Map<String, Object> node, String id, String action, String where) throws PlaybookException {
        RepairRule.When when = when(node, where);
        return switch (action) {
            case "disable-service" -> {
                fields(node, where, "service", "start");
                String start = text(node, "start", where);
                int code = switch (start) {
                    case "disabled" -> 4;
                    case "manual" -> 3;
                    default -> throw new PlaybookException(where + ": start must be \"disabled\" or \"manual\", not '" + start + "'");
                };
                yield new RepairRule.DisableService(id, when, name(node, "service", where), code);
            }
            case "remove-filter" -> {
                fields(node, where, "classGuid", "list", "name");
                String guid = text(node, "classGuid", where);
                if (!GUID.matcher(guid).matches()) {
                    throw new PlaybookException(where + ": classGuid must be a device class GUID in braces, like {4d36e967-e325-11ce-bfc1-08002be10318}");
                }
                String list = text(node, "list", where);
                if (!list.equals("UpperFilters") && !list.equals("LowerFilters")) {
                    throw new PlaybookException(where + ": list must be \"UpperFilters\" or \"LowerFilters\", not '" + list + "'");
                }
                yield new RepairRule.RemoveFilter(id, when, guid.toLowerCase(Locale.ROOT), list, name(node, "name", where));
            }
            case "set-registry" -> setRegistry(node, id, when, where);
            case "safe-mode" -> {
                fields(node, where, "mode");
                String mode = text(node, "mode", where);
                if (!Set.of("minimal", "network", "off").contains(mode)) {
                    throw new PlaybookException(where + ": mode must be \"minimal\", \"network\" or \"off\", not '" + mode + "'");
                }
                yield new RepairRule.SafeMode(id, when, mode);
            }
            case "boot-status-policy" -> {
                fields(node, where, "policy");
                String policy = text(node, "policy", where);
                if (!Set.of("DisplayAllFailures", "IgnoreAllFailures", "IgnoreShutdownFailures", "IgnoreBootFailures").contains(policy)) {
                    throw new PlaybookException(where + ": policy must be DisplayAllFailures, IgnoreAllFailures, IgnoreShutdownFailures or IgnoreBootFailures");
                }
                yield new RepairRule.BootStatusPolicy(id, when, policy);
            }
            case "revert-pending-updates" -> {
                fields(node, where);
                yield new RepairRule.RevertPendingUpdates(id, when);
            }
            case "remove-package" -> {
                fields(node, where, "package");
                String pkg = text(node, "package", where);
                if (!PACKAGE.matcher(pkg).matches() || pkg.replace("*", "").replace("?", "").length() < 8) {
                    throw new PlaybookException(where + ": package must be a package name or glob of letters, digits, '_', '~', '.', '-', '*', '?' "
                            + "naming at least 8 characters, like Package_for_RollupFix~*");
                }
                yield new RepairRule.RemovePackage(id, when, pkg);
            }
            default -> throw new PlaybookException(where + ": unknown action '" + action + "'");
        };
    }

    private static RepairRule setRegistry(Map<String, Object> node, String id, RepairRule.When when, String where) throws PlaybookException {
        fields(node, where, "hive", "key", "value", "type", "data");
        RepairRule.Hive hive;
        try {
            hive = RepairRule.Hive.valueOf(text(node, "hive", where));
        } catch (IllegalArgumentException e) {
            throw new PlaybookException(where + ": hive must be \"SYSTEM\" or \"SOFTWARE\"");
        }
        String key = text(node, "key", where);
        if (key.length() > MAX_KEY) {
            throw new PlaybookException(where + ": key is longer than " + MAX_KEY + " characters");
        }
        for (String part : key.split("\\\\", -1)) {
            if (!KEY_PART.matcher(part).matches() || part.equals("..") || part.equals(".")) {
                throw new PlaybookException(where + ": key '" + key + "' must be key names separated by single backslashes, below the hive's root"
                        + " (no leading or trailing backslash, no empty, '.' or '..' part)");
            }
        }
        String value = text(node, "value", where);
        if (value.length() > 255 || value.chars().anyMatch(Character::isISOControl)) {
            throw new PlaybookException(where + ": value must be a value name of at most 255 characters");
        }
        RepairRule.ValueType type;
        try {
            type = RepairRule.ValueType.valueOf(text(node, "type", where));
        } catch (IllegalArgumentException e) {
            throw new PlaybookException(where + ": type must be REG_DWORD, REG_QWORD, REG_SZ, REG_EXPAND_SZ or REG_MULTI_SZ");
        }
        Object raw = node.get("data");
        Object data = switch (type) {
            case REG_DWORD -> number(raw, 0xFFFF_FFFFL, where);
            case REG_QWORD -> number(raw, Long.MAX_VALUE, where);
            case REG_SZ, REG_EXPAND_SZ -> {
                if (!(raw instanceof String s) || s.length() > MAX_STRING || s.indexOf('\0') >= 0) {
                    throw new PlaybookException(where + ": data of a " + type + " must be a string of at most " + MAX_STRING + " characters");
                }
                yield s;
            }
            case REG_MULTI_SZ -> {
                if (!(raw instanceof List<?> l) || l.size() > MAX_STRINGS) {
                    throw new PlaybookException(where + ": data of a REG_MULTI_SZ must be an array of at most " + MAX_STRINGS + " strings");
                }
                List<String> out = new ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof String s) || s.isEmpty() || s.length() > MAX_STRING || s.indexOf('\0') >= 0) {
                        throw new PlaybookException(where + ": each string of a REG_MULTI_SZ must be non-empty, at most " + MAX_STRING + " characters");
                    }
                    out.add(s);
                }
                yield List.copyOf(out);
            }
        };
        return new RepairRule.SetRegistry(id, when, hive, key, value, type, data);
    }

    private static Long number(Object raw, long max, String where) throws PlaybookException {
        if (!(raw instanceof Number n) || raw instanceof Double || raw instanceof Float || n.longValue() < 0 || n.longValue() > max
                || raw instanceof java.math.BigInteger) {
            throw new PlaybookException(where + ": data must be a whole number from 0 to " + max);
        }
        return n.longValue();
    }

    private static RepairRule.When when(Map<String, Object> node, String where) throws PlaybookException {
        Object w = node.get("when");
        if (w == null) {
            return null;
        }
        if (!(w instanceof Map<?, ?>)) {
            throw new PlaybookException(where + ": when must be an object like {\"file\": \"Windows/System32/drivers/x.sys\", \"sha256\": [\"…\"]}");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) w;
        String unknown = Json.firstUnknownField(m, Set.of("file", "sha256", "exists"));
        if (unknown != null) {
            throw new PlaybookException(where + ": when has an unknown field '" + unknown + "' (allowed: exists, file, sha256)");
        }
        String fileText = Json.string(m, "file");
        if (fileText == null || fileText.isBlank()) {
            throw new PlaybookException(where + ": when needs 'file', a path below the volume root");
        }
        RelPath file;
        try {
            file = RelPath.of(fileText.replace('\\', '/'));
        } catch (IllegalArgumentException e) {
            throw new PlaybookException(where + ": when.file is not a safe path below the volume root: " + e.getMessage());
        }
        boolean hasSha = m.containsKey("sha256");
        boolean hasExists = m.containsKey("exists");
        if (hasSha == hasExists) {
            throw new PlaybookException(where + ": when needs exactly one of 'sha256' (a list of hashes) or 'exists' (true or false)");
        }
        if (hasExists) {
            if (!(m.get("exists") instanceof Boolean b)) {
                throw new PlaybookException(where + ": when.exists must be true or false");
            }
            return new RepairRule.When(file, List.of(), b);
        }
        if (!(m.get("sha256") instanceof List<?> l) || l.isEmpty() || l.size() > 64) {
            throw new PlaybookException(where + ": when.sha256 must be a list of 1 to 64 SHA-256 hashes");
        }
        List<String> hashes = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s) || !SHA256.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
                throw new PlaybookException(where + ": when.sha256 holds '" + o + "', not 64 hex digits");
            }
            hashes.add(s.toLowerCase(Locale.ROOT));
        }
        return new RepairRule.When(file, List.copyOf(hashes), true);
    }

    private static void fields(Map<String, Object> node, String where, String... own) throws PlaybookException {
        Set<String> allowed = new java.util.TreeSet<>(List.of(own));
        allowed.addAll(Set.of("id", "action", "when"));
        for (String f : node.keySet()) {
            if (!allowed.contains(f)) {
                throw new PlaybookException(where + " has an unknown field '" + f + "' (allowed for its action: " + String.join(", ", allowed) + ")");
            }
        }
        for (String f : own) {
            if (!node.containsKey(f)) {
                throw new PlaybookException(where + " needs the field '" + f + "'");
            }
        }
    }

    private static String text(Map<String, Object> node, String field, String where) throws PlaybookException {
        if (!(node.get(field) instanceof String s) || s.isBlank()) {
            throw new PlaybookException(where + " needs a text field '" + field + "'");
        }
        if (s.length() > PlaybookParser.MAX_TEXT) {
            throw new PlaybookException(where + ": '" + field + "' is longer than " + PlaybookParser.MAX_TEXT + " characters");
        }
        return s;
    }

    private static String name(Map<String, Object> node, String field, String where) throws PlaybookException {
        String s = text(node, field, where);
        if (!NAME.matcher(s).matches()) {
            throw new PlaybookException(where + ": " + field + " '" + s + "' must be a service or driver name (letters, digits, '_', '.', '-', space)");
        }
        return s;
    }
}
