package io.bootmedic.batch;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.InputFiles;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.util.DurableFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a batch has finished, kept in a JSON file rewritten (atomically) after every target, so a
 * batch that is killed can be started again and skips what is already done.
 *
 * <p>The file is an input like any other (docs/design.md §4): checked for its kind first (a FIFO
 * or a directory is refused, not read), capped in size and in targets, and read as a stream of
 * tokens, never as a whole tree, so its largest allowed form loads in a 256 MiB heap; it is written
 * as a stream too, one target a line. A missing file is a first run.
 */
public final class BatchState {
    public static final String SCHEMA = "bootmedic.batch-state/v1";
    /** 250,000 targets at about 250 bytes each, with room: a bigger file is not a state file bootmedic wrote. */
    public static final long MAX_BYTES = 64L << 20;
    /** More targets than one batch (and its state file, rewritten after every target) should carry. */
    public static final int MAX_TARGETS = 250_000;
    /** A target is a path; Linux allows 4096 bytes. */
    static final int MAX_TARGET_CHARS = 4096;
    /** Notes are for the summary: a longer one is cut (the report holds the whole story). */
    static final int MAX_NOTE_CHARS = 1000;
    private static final int MAX_SHORT_TEXT = 64;
    private static final String WHAT = "batch --state";

    /** Target names are map keys: canonicalizing (and interning) 200,000 of them would keep a second copy of each. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
            .build();

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

    /** The state in {@code file}, or an empty one when there is no such file yet. */
    public static BatchState load(Path file) throws IOException {
        BatchState state = new BatchState(file);
        if (Files.notExists(file)) {
            return state; // the first run
        }
        InputFiles.require(file, InputFiles.Kind.REGULAR_FILE, WHAT);
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new FormatException(WHAT + " " + file + " has " + size + " bytes, more than a state file of " + MAX_TARGETS
                    + " targets can (" + MAX_BYTES + "): is it the right file? Give another --state path, or move it aside to start from scratch");
        }
        String schema;
        try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
            schema = state.read(p);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (broken near line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new FormatException(WHAT + " " + file + " is not valid JSON" + where + ": move it aside to start the batch from scratch");
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException(WHAT + " " + file + " cannot be read: " + ErrorWords.reason(e), e);
        }
        if (!SCHEMA.equals(schema)) {
            throw new FormatException(WHAT + " " + file + " is not a bootmedic batch state file (no \"schema\": \"" + SCHEMA
                    + "\"): give another --state path");
        }
        return state;
    }

    /** Reads the document token by token into {@link #entries}; returns its schema (null when there is none). */
    private String read(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        String schema = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("schema".equals(field) && value == JsonToken.VALUE_STRING) {
                schema = p.getText();
            } else if ("targets".equals(field) && value == JsonToken.START_OBJECT) {
                readTargets(p);
            } else {
                p.skipChildren(); // another field: not ours (a newer version's), passed over
            }
        }
        if (p.nextToken() != null) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "content after the end of the document");
        }
        return schema;
    }

    private void readTargets(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String target = p.currentName();
            if (p.nextToken() != JsonToken.START_OBJECT) {
                p.skipChildren(); // not an entry bootmedic wrote: that target simply runs again
                continue;
            }
            Entry entry = readEntry(p);
            if (target.length() > MAX_TARGET_CHARS) {
                throw new FormatException(WHAT + " " + file + " names a target of " + target.length() + " characters, longer than a path can be: "
                        + "move it aside to start the batch from scratch");
            }
            entries.put(target, entry);
            if (entries.size() > MAX_TARGETS) {
                throw new FormatException(WHAT + " " + file + " lists more than " + MAX_TARGETS + " targets, more than one batch keeps: "
                        + "split the targets into several batches, each with its own --state");
            }
        }
    }

    private static Entry readEntry(JsonParser p) throws IOException {
        String outcome = null;
        String runId = null;
        String finishedAt = null;
        String note = null;
        double seconds = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_STRING) {
                String text = p.getText();
                switch (field) {
                    case "outcome" -> outcome = outcome(text);
                    case "runId" -> runId = shortText(text);
                    case "finishedAt" -> finishedAt = shortText(text);
                    case "note" -> note = text.length() > MAX_NOTE_CHARS ? text.substring(0, MAX_NOTE_CHARS) + "..." : text;
                    default -> { }
                }
            } else if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
                if ("seconds".equals(field)) {
                    double d = p.getValueAsDouble();
                    seconds = Double.isFinite(d) && d >= 0 ? d : 0;
                }
            } else {
                p.skipChildren();
            }
        }
        return new Entry(outcome, runId, finishedAt, seconds, note);
    }

    /** The outcomes bootmedic writes, shared (a state of 200,000 targets holds a handful of distinct ones); anything else kept short. */
    private static String outcome(String text) {
        if ("error".equals(text)) {
            return "error";
        }
        for (RunOutcome o : RunOutcome.values()) {
            if (o.wire().equals(text)) {
                return o.wire();
            }
        }
        return shortText(text);
    }

    private static String shortText(String text) {
        return text.length() > MAX_SHORT_TEXT ? text.substring(0, MAX_SHORT_TEXT) : text;
    }

    public synchronized Entry get(String target) {
        return entries.get(target);
    }

    public synchronized void record(String target, Entry entry) throws IOException {
        entries.put(target, entry);
        save();
    }

    /** Streams the state into the file, one target a line, so saving 200,000 targets needs no more memory than holding them. */
    private void save() throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        DurableFiles.write(abs, out -> {
            try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                g.setPrettyPrinter(new OneTargetALine());
                g.writeStartObject();
                g.writeStringField("schema", SCHEMA);
                g.writeObjectFieldStart("targets");
                for (Map.Entry<String, Entry> t : entries.entrySet()) {
                    Entry e = t.getValue();
                    g.writeObjectFieldStart(t.getKey());
                    g.writeStringField("outcome", e.outcome());
                    g.writeStringField("runId", e.runId());
                    g.writeStringField("finishedAt", e.finishedAt());
                    g.writeNumberField("seconds", Math.round(e.seconds() * 1000) / 1000.0);
                    g.writeStringField("note", e.note());
                    g.writeEndObject();
                }
                g.writeEndObject();
                g.writeEndObject();
                g.writeRaw('\n');
            }
        });
    }

    /** The two outer objects one field a line, each target's entry on its own line. */
    private static final class OneTargetALine implements PrettyPrinter {
        private int depth;

        private void newline(JsonGenerator g, int indent) throws IOException {
            g.writeRaw('\n');
            g.writeRaw("  ".repeat(indent));
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            g.writeRaw('{');
            depth++;
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            if (depth <= 2) {
                newline(g, depth);
            }
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            if (depth <= 2) {
                newline(g, depth);
            } else {
                g.writeRaw(' ');
            }
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            if (depth <= 2 && entries > 0) {
                newline(g, depth - 1);
            }
            g.writeRaw('}');
            depth--;
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            g.writeRaw('[');
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) {
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            g.writeRaw(']');
        }
    }
}
