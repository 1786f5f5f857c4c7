package io.bootmedic.remediation;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Reads and writes run journals in {@code bootmedic/journal/} on the volume itself. */
public final class JournalStore {
    public static final RelPath BOOTMEDIC_DIR = RelPath.of("bootmedic");
    public static final RelPath JOURNAL_DIR = BOOTMEDIC_DIR.resolve("journal");
    public static final RelPath QUARANTINE_DIR = BOOTMEDIC_DIR.resolve("quarantine");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final FileTree tree;

    public JournalStore(FileTree tree) {
        this.tree = tree;
    }

    /** Writes the journal and makes it durable before returning: nothing may change before this. */
    public void write(Journal journal) throws IOException {
        RelPath dir = SafePaths.ensureDirectories(tree, JOURNAL_DIR);
        tree.writeDurably(dir.resolve(journal.runId() + ".json"), JSON.writeValueAsBytes(journal));
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
                Journal journal = JSON.readValue(in, Journal.class);
                if (Journal.SCHEMA.equals(journal.schema())) {
                    journals.add(journal);
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
}
