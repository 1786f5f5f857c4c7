package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;
import io.bootmedic.util.Json;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns playbook JSON into a {@link Playbook}, strictly: an unknown field is an error, because a
 * misspelt "modifiedBefore" silently dropped would widen what gets quarantined.
 */
public final class PlaybookParser {
    private static final Set<String> TOP_FIELDS = Set.of("id", "title", "version", "rules", "description");
    private static final Set<String> RULE_FIELDS = Set.of("id", "directory", "glob", "headerHex", "modifiedBefore", "modifiedAfter", "action");

    /** A glob matches one NTFS name, and those have at most 255 characters. */
    static final int MAX_GLOB = 255;
    static final int MAX_RULES = 1000;
    static final int MAX_HEADER = 4096;
    static final int MAX_TEXT = 1024;

    private PlaybookParser() {
    }

    public static Playbook parse(byte[] json, String source) throws PlaybookException {
        Map<String, Object> root;
        try {
            root = Json.readObject(json);
        } catch (java.io.IOException | RuntimeException e) {
            throw new PlaybookException("playbook " + source + " is not a valid JSON object with id, title and rules" + jsonWhere(e));
        }
        checkFields(root, TOP_FIELDS, "playbook " + source);
        String id = requiredText(root, "id", "playbook " + source);
        String title = requiredText(root, "title", "playbook " + source);
        List<Object> rules = Json.list(root, "rules");
        if (rules == null || rules.isEmpty()) {
            throw new PlaybookException("playbook " + source + " has no rules: 'rules' must be a non-empty array");
        }
        if (rules.size() > MAX_RULES) {
            throw new PlaybookException("playbook " + source + " has " + rules.size() + " rules, more than the " + MAX_RULES + " bootmedic accepts");
        }
        List<Rule> parsed = new ArrayList<>();
        List<RepairRule> repairs = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String where = "rule " + (i + 1) + " of playbook " + source;
            Object node = rules.get(i);
            String action = node instanceof Map<?, ?> m && m.get("action") instanceof String a ? a : null;
            if (action != null && !action.equals("quarantine") && !RepairRuleParser.ACTIONS.contains(action)) {
                // said first: a rule for an action this agent does not know is not a broken file rule
                throw new PlaybookException(where + ": unknown action '" + (action.length() > 64 ? action.substring(0, 64) + "…" : action)
                        + "' (known: quarantine, " + String.join(", ", RepairRuleParser.ACTIONS.stream().sorted().toList()) + ")");
            }
            if (action != null && RepairRuleParser.ACTIONS.contains(action)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> rule = (Map<String, Object>) node;
                String ruleId = rule.get("id") != null ? requiredText(rule, "id", where) : id + "#" + (i + 1);
                repairs.add(RepairRuleParser.parse(rule, ruleId, action, where));
            } else {
                parsed.add(parseRule(node, id + "#" + (i + 1), where));
            }
        }
        return new Playbook(id, title, version(root, "playbook " + source), List.copyOf(parsed), List.copyOf(repairs), source, null, null);
    }

    /** "version": a string or a whole number, kept as text; "1" when absent. */
    private static String version(Map<String, Object> root, String where) throws PlaybookException {
        Object v = root.get("version");
        if (v == null) {
            return Playbook.DEFAULT_VERSION;
        }
        String text;
        if (v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger) {
            text = v.toString();
        } else if (v instanceof String s) {
            text = s.strip();
        } else {
            throw new PlaybookException(where + ": 'version' must be a string or a whole number, e.g. \"2\" or 2");
        }
        if (!text.matches("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")) {
            throw new PlaybookException(where + ": 'version' must be 1 to 64 letters, digits, '.', '_', '+' or '-' (found: "
                    + (text.length() > 64 ? text.substring(0, 64) + "…" : text) + ")");
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    private static Rule parseRule(Object value, String defaultId, String where) throws PlaybookException {
        if (!(value instanceof Map)) {
            throw new PlaybookException(where + " must be a JSON object");
        }
        Map<String, Object> node = (Map<String, Object>) value;
        checkFields(node, RULE_FIELDS, where);
        String id = node.get("id") != null ? requiredText(node, "id", where) : defaultId;
        RelPath directory;
        String directoryText = requiredText(node, "directory", where);
        if (directoryText.matches("^[A-Za-z]:.*")) {
            throw new PlaybookException(where + ": directory '" + directoryText + "' names a drive letter; rules name paths relative to the Windows volume root");
        }
        try {
            directory = RelPath.of(directoryText);
        } catch (IllegalArgumentException e) {
            throw new PlaybookException(where + ": unsafe directory: " + e.getMessage());
        }
        if (directory.isRoot()) {
            throw new PlaybookException(where + ": directory must name a folder below the volume root, not the root itself");
        }
        String glob = requiredText(node, "glob", where);
        if (glob.length() > MAX_GLOB) {
            throw new PlaybookException(where + ": glob is " + glob.length() + " characters long; a file name has at most " + MAX_GLOB
                    + ", so no glob needs more");
        }
        if (glob.contains("/") || glob.contains("\\") || glob.contains("..") || glob.contains(":")) {
            throw new PlaybookException(where + ": glob '" + glob + "' may only match names inside its directory (no '/', '\\', '..' or ':')");
        }
        if (RelPath.isWindowsDeviceName(glob)) {
            // "nul.*" or "COM1.sys": what it matches is a device to Windows, not a file
            throw new PlaybookException(where + ": glob '" + glob + "' names a Windows device (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, CONIN$, CONOUT$), "
                    + "not a file; name the files the rule is about");
        }
        if (glob.replace("*", "").replace("?", "").isEmpty()) {
            throw new PlaybookException(where + ": glob '" + glob + "' matches every file; name the files the rule is about");
        }
        byte[] header = new byte[0];
        if (node.get("headerHex") != null) {
            try {
                header = HexFormat.of().parseHex(requiredText(node, "headerHex", where).replace(" ", ""));
            } catch (IllegalArgumentException e) {
                throw new PlaybookException(where + ": headerHex must be pairs of hex digits, e.g. \"AAAAAAAA\"");
            }
            if (header.length > MAX_HEADER) {
                throw new PlaybookException(where + ": headerHex has " + header.length + " bytes; a header to compare has at most " + MAX_HEADER);
            }
        }
        Instant before = instant(node, "modifiedBefore", where);
        Instant after = instant(node, "modifiedAfter", where);
        if (before != null && after != null && !after.isBefore(before)) {
            throw new PlaybookException(where + ": modifiedAfter must be earlier than modifiedBefore");
        }
        Rule.Action action;
        try {
            action = Rule.Action.parse(requiredText(node, "action", where));
        } catch (IllegalArgumentException e) {
            throw new PlaybookException(where + ": " + e.getMessage());
        }
        return new Rule(id, directory, glob, header, before, after, action);
    }

    private static Instant instant(Map<String, Object> node, String field, String where) throws PlaybookException {
        if (node.get(field) == null) {
            return null;
        }
        try {
            return Instant.parse(requiredText(node, field, where));
        } catch (DateTimeParseException e) {
            throw new PlaybookException(where + ": " + field + " must be a UTC time like 2024-07-19T05:27:00Z");
        }
    }

    private static String requiredText(Map<String, Object> node, String field, String where) throws PlaybookException {
        String value = Json.string(node, field);
        if (value == null || value.isBlank()) {
            throw new PlaybookException(where + " needs a text field '" + field + "'");
        }
        if (value.length() > MAX_TEXT && !field.equals("headerHex")) {
            throw new PlaybookException(where + ": '" + field + "' is longer than " + MAX_TEXT + " characters");
        }
        return value;
    }

    /** Where Jackson stopped (line and column), without its own wording. */
    private static String jsonWhere(Exception e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null) {
            return " (the JSON is broken near line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
        }
        return "";
    }

    private static void checkFields(Map<String, Object> node, Set<String> allowed, String where) throws PlaybookException {
        for (String name : node.keySet()) {
            if (!allowed.contains(name)) {
                throw new PlaybookException(where + " has an unknown field '" + name + "' (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }
}
