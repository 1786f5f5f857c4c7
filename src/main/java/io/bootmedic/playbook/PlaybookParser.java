package io.bootmedic.playbook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.fs.RelPath;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns playbook JSON into a {@link Playbook}, strictly: an unknown field is an error, because a
 * misspelt "modifiedBefore" silently dropped would widen what gets quarantined.
 */
public final class PlaybookParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_FIELDS = Set.of("id", "title", "rules", "description");
    private static final Set<String> RULE_FIELDS = Set.of("id", "directory", "glob", "headerHex", "modifiedBefore", "modifiedAfter", "action");

    private PlaybookParser() {
    }

    public static Playbook parse(byte[] json, String source) throws PlaybookException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PlaybookException("playbook " + source + " is not valid JSON (line " + e.getLocation().getLineNr() + "): " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new PlaybookException("cannot read playbook " + source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new PlaybookException("playbook " + source + " must be a JSON object with id, title and rules");
        }
        checkFields(root, TOP_FIELDS, "playbook " + source);
        String id = requiredText(root, "id", "playbook " + source);
        String title = requiredText(root, "title", "playbook " + source);
        JsonNode rules = root.get("rules");
        if (rules == null || !rules.isArray() || rules.isEmpty()) {
            throw new PlaybookException("playbook " + source + " has no rules: 'rules' must be a non-empty array");
        }
        List<Rule> parsed = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            parsed.add(parseRule(rules.get(i), id + "#" + (i + 1), "rule " + (i + 1) + " of playbook " + source));
        }
        return new Playbook(id, title, List.copyOf(parsed), source);
    }

    private static Rule parseRule(JsonNode node, String defaultId, String where) throws PlaybookException {
        if (!node.isObject()) {
            throw new PlaybookException(where + " must be a JSON object");
        }
        checkFields(node, RULE_FIELDS, where);
        String id = node.hasNonNull("id") ? node.get("id").asText() : defaultId;
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
        if (glob.contains("/") || glob.contains("\\") || glob.contains("..") || glob.contains(":")) {
            throw new PlaybookException(where + ": glob '" + glob + "' may only match names inside its directory (no '/', '\\', '..' or ':')");
        }
        if (glob.replace("*", "").replace("?", "").isEmpty()) {
            throw new PlaybookException(where + ": glob '" + glob + "' matches every file; name the files the rule is about");
        }
        byte[] header = new byte[0];
        if (node.hasNonNull("headerHex")) {
            try {
                header = HexFormat.of().parseHex(node.get("headerHex").asText().replace(" ", ""));
            } catch (IllegalArgumentException e) {
                throw new PlaybookException(where + ": headerHex must be pairs of hex digits, e.g. \"AAAAAAAA\"");
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

    private static Instant instant(JsonNode node, String field, String where) throws PlaybookException {
        if (!node.hasNonNull(field)) {
            return null;
        }
        try {
            return Instant.parse(node.get(field).asText());
        } catch (DateTimeParseException e) {
            throw new PlaybookException(where + ": " + field + " must be a UTC time like 2024-07-19T05:27:00Z");
        }
    }

    private static String requiredText(JsonNode node, String field, String where) throws PlaybookException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new PlaybookException(where + " needs a text field '" + field + "'");
        }
        return value.asText();
    }

    private static void checkFields(JsonNode node, Set<String> allowed, String where) throws PlaybookException {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new PlaybookException(where + " has an unknown field '" + name + "' (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }
}
