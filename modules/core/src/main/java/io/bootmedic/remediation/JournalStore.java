package io.bootmedic.remediation;

import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.fs.UnsafePathException;
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
    /** Files bootmedic prepared (an edited hive) wait here, on the same volume, until a rename puts them in place. */
    public static final RelPath STAGED_DIR = BOOTMEDIC_DIR.resolve("staged");

    private final FileTree tree;

    public JournalStore(FileTree tree) {
        this.tree = tree;
    }

    /** Writes the journal and makes it durable before returning: nothing may change before this. */
    public void write(Journal journal) throws IOException {
        if (!JournalReader.isRunId(journal.runId())) {
            throw new IllegalArgumentException("a run ID must be a UUID"); // a programming error: run IDs are made by RemediationRun
        }
        RelPath dir = SafePaths.ensureDirectories(tree, JOURNAL_DIR);
        tree.writeDurably(dir.resolve(journal.runId() + ".json"), Json.write(toMap(journal)));
    }

    /** Every journal on the volume, oldest first. */
    public List<Journal> all() throws IOException {
        Optional<RelPath> dir = SafePaths.resolve(tree, JOURNAL_DIR);
        if (dir.isEmpty()) {
            return List.of();
        }
        Optional<FileStat> dirStat = tree.stat(dir.get());
        if (dirStat.isEmpty() || !dirStat.get().isDirectory()) {
            throw new UnsafePathException("'" + dir.get() + "' on " + tree.describe() + " exists but is not a directory, so the journals of "
                    + "earlier runs cannot be read. Nothing was changed: move it aside and run again.");
        }
        List<Journal> journals = new ArrayList<>();
        for (FileStat entry : tree.list(dir.get())) {
            if (!entry.isFile() || !entry.name().endsWith(".json")) {
                continue;
            }
            String where = JOURNAL_DIR + "/" + entry.name() + " on " + tree.describe();
            if (!RelPath.isValidComponent(entry.name()) || !JournalReader.isRunId(entry.name().substring(0, entry.name().length() - 5))) {
                throw new JournalFormatException("journal " + where + " was not written by bootmedic: its name is not <runId>.json. "
                        + "Nothing was changed. Move it out of " + JOURNAL_DIR + " and run again.");
            }
            if (entry.size() > JournalReader.MAX_BYTES) {
                throw new JournalFormatException("journal " + where + " has " + entry.size() + " bytes, more than a journal can ("
                        + JournalReader.MAX_BYTES + "). Nothing was changed. Move it out of " + JOURNAL_DIR + " and run again.");
            }
            byte[] content;
            try (InputStream in = Channels.newInputStream(tree.openRead(dir.get().resolve(entry.name())))) {
                content = in.readNBytes((int) JournalReader.MAX_BYTES + 1);
            } catch (IOException e) {
                throw new IOException("journal " + where + " cannot be read (" + io.bootmedic.format.InputFiles.reason(e) + "). Do not delete it: it records where "
                        + "quarantined files came from. Copy it aside and report it.", e);
            }
            Journal journal = JournalReader.read(content, where);
            if (journal == null) {
                continue; // another schema: not ours to read
            }
            if (!entry.name().equalsIgnoreCase(journal.runId() + ".json")) {
                throw new JournalFormatException("journal " + where + " was not written by bootmedic as it stands: it carries run "
                        + journal.runId() + ", not the run its name says. Nothing was changed. Copy it aside and report it.");
            }
            journals.add(journal);
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
            if (e.install()) {
                em.put("kind", e.kind()); // absent means quarantine: journals written before installs existed read the same
            }
            entries.add(em);
        }
        m.put("entries", entries);
        return m;
    }
}
