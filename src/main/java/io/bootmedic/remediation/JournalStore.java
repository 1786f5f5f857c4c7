package io.bootmedic.remediation;

import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads and writes run journals in {@code bootmedic/journal/} on the volume itself. */
public final class JournalStore {
    public static final RelPath BOOTMEDIC_DIR = RelPath.of("bootmedic");
    public static final RelPath JOURNAL_DIR = BOOTMEDIC_DIR.resolve("journal");
    public static final RelPath QUARANTINE_DIR = BOOTMEDIC_DIR.resolve("quarantine");

    private final FileTree tree;

    public JournalStore(FileTree tree) {
        this.tree = tree;
    }

    /** Writes the journal and makes it durable before returning: nothing may change before this. */
    public void write(Journal journal) throws IOException {
        RelPath dir = SafePaths.ensureDirectories(tree, JOURNAL_DIR);
        tree.writeDurably(dir.resolve(journal.runId() + ".json"), Json.write(toMap(journal)));
    }

    /** Every journal on the volume, oldest first. */
    public List<Journal> all() throws IOException {
        Optional<RelPath> dir = SafePaths.resolve(tree, JOURNAL_DIR);
        if (dir.isEmpty()) {
            return List.of();
        }
        List<Journal> journals = new ArrayList<>();
        for (FileStat entry : tree.list(dir.get())) {
            if (!entry.isFile() || !entry.name().endsWith(".json")) {
                continue;
            }
            try (InputStream in = Channels.newInputStream(tree.openRead(dir.get().resolve(entry.name())))) {
                Map<String, Object> map = Json.readObject(in.readAllBytes());
                if (Journal.SCHEMA.equals(Json.string(map, "schema"))) {
                    journals.add(fromMap(map));
                }
            } catch (IOException e) {
                throw new IOException("journal " + dir.get().resolve(entry.name()) + " on " + tree.describe()
                        + " cannot be read (" + e.getMessage() + "). Do not delete it: it records where quarantined files came from. "
                        + "Copy it aside and report it.", e);
            }
        }
        journals.sort(Comparator.comparing(Journal::startedAt));
        return journals;
    }

    public List<Journal> interrupted() throws IOException {
        return all().stream().filter(j -> Journal.IN_PROGRESS.equals(j.state())).toList();
    }

    static Map<String, Object> toMap(Journal j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", j.schema());
        m.put("runId", j.runId());
        m.put("startedAt", j.startedAt());
        m.put("playbook", j.playbook());
        m.put("state", j.state());
        m.put("finishedBy", j.finishedBy());
        List<Object> entries = new ArrayList<>();
        for (JournalEntry e : j.entries()) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("rule", e.rule());
            em.put("path", e.path());
            em.put("quarantinePath", e.quarantinePath());
            em.put("sha256", e.sha256());
            em.put("size", e.size());
            em.put("created", e.created());
            em.put("modified", e.modified());
            em.put("accessed", e.accessed());
            em.put("state", e.state());
            em.put("note", e.note());
            entries.add(em);
        }
        m.put("entries", entries);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Journal fromMap(Map<String, Object> m) throws IOException {
        List<JournalEntry> entries = new ArrayList<>();
        List<Object> raw = Json.list(m, "entries");
        if (Json.string(m, "runId") == null || Json.string(m, "startedAt") == null || raw == null) {
            throw new IOException("a journal needs runId, startedAt and entries");
        }
        for (Object o : raw) {
            if (!(o instanceof Map)) {
                throw new IOException("a journal entry is not an object");
            }
            Map<String, Object> e = (Map<String, Object>) o;
            if (Json.string(e, "path") == null || Json.string(e, "quarantinePath") == null || Json.string(e, "sha256") == null) {
                throw new IOException("a journal entry needs path, quarantinePath and sha256");
            }
            entries.add(new JournalEntry(Json.string(e, "rule"), Json.string(e, "path"), Json.string(e, "quarantinePath"), Json.string(e, "sha256"),
                    Json.number(e, "size", -1), Json.string(e, "created"), Json.string(e, "modified"), Json.string(e, "accessed"),
                    Json.string(e, "state"), Json.string(e, "note")));
        }
        return new Journal(Json.string(m, "schema"), Json.string(m, "runId"), Json.string(m, "startedAt"), Json.string(m, "playbook"),
                Json.string(m, "state"), Json.string(m, "finishedBy"), List.copyOf(entries));
    }
}
