package io.bootmedic.batch;

import io.bootmedic.util.DurableFiles;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a batch has finished, kept in a small JSON file rewritten (atomically) after every target,
 * so a batch that is killed can be started again and skips what is already done.
 */
public final class BatchState {
    public static final String SCHEMA = "bootmedic.batch-state/v1";

    /** One finished target. {@code outcome} is the report's run outcome, or "error" when the target could not be opened. */
    public record Entry(String outcome, String runId, String finishedAt, double seconds, String note) {
        public boolean done() {
            return "fixed".equals(outcome) || "clean".equals(outcome);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private BatchState(Path file) {
        this.file = file;
    }

    @SuppressWarnings("unchecked")
    public static BatchState load(Path file) throws IOException {
        BatchState state = new BatchState(file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return state;
        }
        Map<String, Object> root;
        try {
            root = Json.readObject(bytes);
        } catch (IOException e) {
            throw new IOException("state file " + file + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "); move it aside to start the batch from scratch", e);
        }
        if (!SCHEMA.equals(Json.string(root, "schema")) || Json.object(root, "targets") == null) {
            throw new IOException(file + " is not a bootmedic batch state file; give another --state path");
        }
        for (Map.Entry<String, Object> e : Json.object(root, "targets").entrySet()) {
            if (e.getValue() instanceof Map) {
                Map<String, Object> m = (Map<String, Object>) e.getValue();
                Object seconds = m.get("seconds");
                state.entries.put(e.getKey(), new Entry(Json.string(m, "outcome"), Json.string(m, "runId"), Json.string(m, "finishedAt"),
                        seconds instanceof Number n ? n.doubleValue() : 0, Json.string(m, "note")));
            }
        }
        return state;
    }

    public synchronized Entry get(String target) {
        return entries.get(target);
    }

    public synchronized void record(String target, Entry entry) throws IOException {
        entries.put(target, entry);
        save();
    }

    private void save() throws IOException {
        Map<String, Object> targets = new LinkedHashMap<>();
        entries.forEach((k, e) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", e.outcome());
            m.put("runId", e.runId());
            m.put("finishedAt", e.finishedAt());
            m.put("seconds", e.seconds());
            m.put("note", e.note());
            targets.put(k, m);
        });
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schema", SCHEMA);
        root.put("targets", targets);
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        DurableFiles.write(abs, Json.write(root));
    }
}
