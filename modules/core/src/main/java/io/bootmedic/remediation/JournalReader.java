package io.bootmedic.remediation;

import io.bootmedic.fs.RelPath;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the bytes of a journal file back into a {@link Journal}, checking every field before
 * anything is done with it: a journal lies on the volume of a machine that crashed or was tampered
 * with, and undo and recovery move files to the paths it names. The run ID becomes a file name,
 * so it must be a UUID; each quarantine path must be the one bootmedic derives from the run ID and
 * the original path, so a journal cannot send undo to fetch any other file of the volume.
 */
public final class JournalReader {
    /** Journals bootmedic writes are a few KiB; a bigger file is not one of them. */
    public static final long MAX_BYTES = 16L * 1024 * 1024;
    static final int MAX_ENTRIES = 100_000;
    private static final int MAX_TEXT = 4096;
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Set<String> STATES = Set.of(Journal.IN_PROGRESS, Journal.COMMITTED, Journal.UNDONE, Journal.PARTIALLY_UNDONE);
    static final Set<String> ENTRY_STATES = Set.of("planned", "moved", "verified", "restored", "skipped", "failed");

    private JournalReader() {
    }

    /** Whether {@code text} is a run ID (a UUID, as bootmedic makes them). */
    public static boolean isRunId(String text) {
        return text != null && UUID.matcher(text).matches();
    }

    /**
     * Parses a journal; {@code where} names the file in errors. A document of another schema is
     * returned as null (not a bootmedic journal of this kind, left alone).
     */
    public static Journal read(byte[] content, String where) throws JournalFormatException {
        if (content.length > MAX_BYTES) {
            throw bad(where, "it has " + content.length + " bytes, more than a journal can (" + MAX_BYTES + ")");
        }
        Map<String, Object> m;
        try {
            m = Json.readObject(content);
        } catch (IOException | RuntimeException e) {
            throw bad(where, "it is not a JSON object");
        }
        if (!Journal.SCHEMA.equals(m.get("schema"))) {
            return null;
        }
        String runId = text(m, "runId", where, true);
        if (!isRunId(runId)) {
            throw bad(where, "its runId is not a run ID (a UUID such as 3f2b…-…)");
        }
        String startedAt = time(m, "startedAt", where, true);
        String playbook = text(m, "playbook", where, false);
        String state = text(m, "state", where, true);
        if (!STATES.contains(state)) {
            throw bad(where, "its state is not one of " + String.join(", ", STATES.stream().sorted().toList()));
        }
        String finishedBy = text(m, "finishedBy", where, false);
        if (finishedBy != null && !isRunId(finishedBy)) {
            throw bad(where, "its finishedBy is not a run ID");
        }
        if (!(m.get("entries") instanceof List<?> raw)) {
            throw bad(where, "it has no list of entries");
        }
        if (raw.size() > MAX_ENTRIES) {
            throw bad(where, "it lists " + raw.size() + " files, more than a run handles (" + MAX_ENTRIES + ")");
        }
        List<JournalEntry> entries = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            entries.add(entry(raw.get(i), runId, where + " entry " + (i + 1)));
        }
        return new Journal(Journal.SCHEMA, runId, startedAt, playbook, state, finishedBy, List.copyOf(entries));
    }

    @SuppressWarnings("unchecked")
    private static JournalEntry entry(Object o, String runId, String where) throws JournalFormatException {
        if (!(o instanceof Map<?, ?>)) {
            throw bad(where, "it is not an object");
        }
        Map<String, Object> e = (Map<String, Object>) o;
        String pathText = text(e, "path", where, true);
        RelPath path;
        try {
            path = RelPath.of(pathText);
        } catch (IllegalArgumentException ex) {
            throw bad(where, "its path is not a safe path on the volume (" + ex.getMessage() + ")");
        }
        if (path.isRoot()) {
            throw bad(where, "its path names the volume root");
        }
        String quarantineText = text(e, "quarantinePath", where, true);
        RelPath quarantine;
        try {
            quarantine = RelPath.of(quarantineText);
        } catch (IllegalArgumentException ex) {
            throw bad(where, "its quarantinePath is not a safe path on the volume (" + ex.getMessage() + ")");
        }
        Object kindValue = e.get("kind");
        if (kindValue != null && !JournalEntry.INSTALL.equals(kindValue)) {
            throw bad(where, "its kind is not install (a quarantine entry has none)");
        }
        boolean install = kindValue != null;
        if (!install && !quarantine.equals(Quarantiner.quarantinePathFor(runId, path))) {
            throw bad(where, "its quarantinePath is not bootmedic/quarantine/<runId>/<path> of this run");
        }
        if (install && !quarantine.equals(JournalStore.STAGED_DIR.resolve(runId).resolve(path))) {
            throw bad(where, "its staged path is not bootmedic/staged/<runId>/<path> of this run");
        }
        String sha256 = text(e, "sha256", where, true);
        if (!SHA256.matcher(sha256).matches()) {
            throw bad(where, "its sha256 is not 64 lower-case hex digits");
        }
        if (!(e.get("size") instanceof Number size) || !(size instanceof Integer || size instanceof Long) || size.longValue() < 0) {
            throw bad(where, "its size is not a whole number of bytes, zero or more");
        }
        String state = text(e, "state", where, true);
        if (!ENTRY_STATES.contains(state)) {
            throw bad(where, "its state is not one of " + String.join(", ", ENTRY_STATES.stream().sorted().toList()));
        }
        return new JournalEntry(text(e, "rule", where, false), path.toString(), quarantine.toString(), sha256, size.longValue(),
                time(e, "created", where, false), time(e, "modified", where, false), time(e, "accessed", where, false), state,
                text(e, "note", where, false), install ? JournalEntry.INSTALL : JournalEntry.QUARANTINE);
    }

    private static String text(Map<String, Object> m, String field, String where, boolean required) throws JournalFormatException {
        Object v = m.get(field);
        if (v == null) {
            if (required) {
                throw bad(where, "it has no " + field);
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw bad(where, "its " + field + " is not text");
        }
        if (s.length() > MAX_TEXT) {
            throw bad(where, "its " + field + " is longer than " + MAX_TEXT + " characters");
        }
        return s;
    }

    private static String time(Map<String, Object> m, String field, String where, boolean required) throws JournalFormatException {
        String s = text(m, field, where, required);
        if (s == null) {
            return null;
        }
        try {
            Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw bad(where, "its " + field + " is not a UTC time like 2024-07-19T05:27:00Z");
        }
        return s;
    }

    private static JournalFormatException bad(String where, String why) {
        return new JournalFormatException("journal " + where + " was not written by bootmedic as it stands: " + why
                + ". Nothing was changed. Do not delete it (it may record where quarantined files came from): copy it aside and report it.");
    }
}
