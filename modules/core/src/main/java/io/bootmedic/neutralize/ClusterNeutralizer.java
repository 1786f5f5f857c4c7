package io.bootmedic.neutralize;

import io.bootmedic.fs.RelPath;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.ntfs.Extent;
import io.bootmedic.ntfs.NtfsFileTree;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.Finding;
import io.bootmedic.remediation.Neutralizer;
import io.bootmedic.remediation.Undo;
import io.bootmedic.report.FileAction;
import io.bootmedic.util.DurableFiles;
import io.bootmedic.util.HostJournals;
import io.bootmedic.util.Json;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Neutralizes files on an NTFS volume whose journal forbids metadata changes (docs/design.md §3): the
 * file's bytes go to a host-side quarantine first, the clusters are checked to hold exactly that
 * file, then overwritten with zeros and read back. Nothing but those data clusters is written.
 */
public final class ClusterNeutralizer implements Neutralizer {
    static final String SCHEMA = "bootmedic.neutralize-journal/v1";
    private static final int MAX_FILE = 64 << 20;
    private final NtfsFileTree tree;
    private final BlockDevice device;
    private final Path quarantineDir;
    private final String volumeKey;

    public ClusterNeutralizer(NtfsFileTree tree, Path quarantineDir, String volumeId) {
        this.tree = tree;
        this.device = tree.volume().device();
        this.quarantineDir = quarantineDir;
        this.volumeKey = volumeId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private Path runDir(String runId) {
        return quarantineDir.resolve(runId).resolve(volumeKey);
    }

    @Override
    public List<ActionResult> neutralize(String runId, List<Finding> faulty) throws IOException {
        Path dir = runDir(runId);
        Files.createDirectories(dir.resolve("files"));
        List<Map<String, Object>> entries = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        List<List<Extent>> extents = new ArrayList<>();
        // plan everything and keep every byte on the host before the first cluster is touched
        for (Finding f : faulty) {
            List<Extent> ex = tree.extents(f.path());
            byte[] content = readFile(f.path(), f.size());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", f.path().toString());
            e.put("sha256", f.sha256());
            e.put("size", f.size());
            e.put("modified", f.times().modified() == null ? null : f.times().modified().toString());
            e.put("extents", ex.stream().map(x -> List.of(x.offset(), x.length())).toList());
            e.put("copy", "files/" + f.path());
            e.put("state", "planned");
            e.put("note", null);
            if (!Sha256.of(content).equals(f.sha256())) {
                e.put("state", "failed");
                e.put("note", "the file changed after it was inspected; left as it is. Run bootmedic again.");
            } else if (!java.util.Arrays.equals(readExtents(ex, content.length), content)) {
                e.put("state", "failed");
                e.put("note", "its clusters do not hold exactly the file's bytes (the cluster map may be stale); left as it is");
            } else {
                Path copy = dir.resolve("files").resolve(f.path().toString());
                Files.createDirectories(copy.getParent());
                DurableFiles.write(copy, content);
            }
            entries.add(e);
            contents.add(content);
            extents.add(ex);
        }
        Map<String, Object> journal = new LinkedHashMap<>();
        journal.put("schema", SCHEMA);
        journal.put("runId", runId);
        journal.put("volumeId", volumeKey);
        journal.put("device", device.describe());
        journal.put("startedAt", Instant.now().toString());
        journal.put("state", "in-progress");
        journal.put("entries", entries);
        DurableFiles.write(dir.resolve("journal.json"), Json.write(journal));

        List<ActionResult> results = new ArrayList<>();
        for (int i = 0; i < faulty.size(); i++) {
            Map<String, Object> e = entries.get(i);
            Finding f = faulty.get(i);
            if ("planned".equals(e.get("state"))) {
                overwrite(extents.get(i), null);
                boolean zero = isZero(readExtents(extents.get(i), contents.get(i).length));
                e.put("state", zero ? "neutralized" : "failed");
                e.put("note", zero ? null : "the clusters did not read back as zeros after writing; check the disk");
                DurableFiles.write(dir.resolve("journal.json"), Json.write(journal));
            }
            boolean ok = "neutralized".equals(e.get("state"));
            results.add(ActionResult.of(f, ok ? FileAction.NEUTRALIZED : FileAction.FAILED, ok ? dir.resolve(String.valueOf(e.get("copy"))).toString() : null,
                    ok ? null : String.valueOf(e.get("note"))));
        }
        journal.put("state", "committed");
        DurableFiles.write(dir.resolve("journal.json"), Json.write(journal));
        return results;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Undo.Result undo(String runId) throws IOException {
        Path journalFile = findJournal(runId);
        if (journalFile == null) {
            return new Undo.Result(null, List.of(), "no neutralized files of this volume under " + quarantineDir);
        }
        Map<String, Object> journal = Json.readObject(Files.readAllBytes(journalFile));
        // every entry is checked before the first is restored: a changed journal restores nothing
        record Entry(Map<String, Object> json, io.bootmedic.fs.RelPath path, List<Extent> extents) {
        }
        List<Entry> entries = new ArrayList<>();
        for (Object o : Json.list(journal, "entries")) {
            if (!(o instanceof Map<?, ?>)) {
                throw new io.bootmedic.format.FormatException(journalFile + ": an entry is not an object; the journal was changed or damaged, nothing was restored");
            }
            Map<String, Object> e = (Map<String, Object>) o;
            if (!"neutralized".equals(e.get("state"))) {
                continue;
            }
            String path = String.valueOf(e.get("path"));
            // the copy's name is derived, never taken from the journal: a changed journal must not
            // make undo read some other file of this host into the disk
            io.bootmedic.fs.RelPath rel;
            try {
                rel = io.bootmedic.fs.RelPath.of(path);
            } catch (IllegalArgumentException bad) {
                throw new io.bootmedic.format.FormatException(journalFile + ": an entry names an impossible path (" + bad.getMessage()
                        + "); the journal was changed or damaged, nothing was restored");
            }
            if (!("files/" + rel).equals(e.get("copy"))) {
                throw new io.bootmedic.format.FormatException(journalFile + ": the entry of " + rel + " names a host-side copy other than files/"
                        + rel + "; the journal was changed, nothing was restored");
            }
            entries.add(new Entry(e, rel, extents(journalFile, path, e.get("extents"))));
        }
        List<Undo.Restored> out = new ArrayList<>();
        for (Entry entry : entries) {
            Map<String, Object> e = entry.json();
            String path = entry.path().toString();
            List<Extent> ex = entry.extents();
            byte[] copy = Files.readAllBytes(journalFile.getParent().resolve("files").resolve(path));
            if (!Sha256.of(copy).equals(Json.string(e, "sha256"))) {
                out.add(new Undo.Restored(path, "failed", "the host-side copy does not have the recorded SHA-256"));
                continue;
            }
            if (!isZero(readExtents(ex, copy.length))) {
                out.add(new Undo.Restored(path, "kept-in-quarantine", "its clusters no longer hold zeros (Windows has reused them); nothing overwritten"));
                continue;
            }
            overwrite(ex, copy);
            boolean ok = java.util.Arrays.equals(readExtents(ex, copy.length), copy);
            e.put("state", ok ? "restored" : "failed");
            out.add(new Undo.Restored(path, ok ? "restored" : "failed", ok ? null : "the bytes did not read back as written"));
        }
        journal.put("state", out.stream().allMatch(Undo.Restored::ok) ? "undone" : "partially-undone");
        DurableFiles.write(journalFile, Json.write(journal));
        return new Undo.Result(Json.string(journal, "runId"), out, null);
    }

    /** The journal's [offset, length] pairs, each checked: numbers, not negative, a length above zero. */
    private static List<Extent> extents(Path journalFile, String path, Object value) throws io.bootmedic.format.FormatException {
        List<Extent> ex = new ArrayList<>();
        if (!(value instanceof List<?> list) || list.isEmpty() || list.size() > 1_000_000) {
            throw new io.bootmedic.format.FormatException(journalFile + ": the entry of " + path + " has no valid cluster list; nothing was restored");
        }
        for (Object x : list) {
            if (!(x instanceof List<?> pair) || pair.size() != 2 || !(pair.get(0) instanceof Number o) || !(pair.get(1) instanceof Number l)
                    || o.longValue() < 0 || l.longValue() <= 0) {
                throw new io.bootmedic.format.FormatException(journalFile + ": the entry of " + path + " has an impossible cluster extent "
                        + x + "; nothing was restored");
            }
            ex.add(new Extent(o.longValue(), l.longValue()));
        }
        return ex;
    }

    private Path findJournal(String runId) throws IOException {
        return HostJournals.find(quarantineDir, volumeKey, runId, journal -> true);
    }

    private byte[] readFile(RelPath path, long size) throws IOException {
        if (size > MAX_FILE) {
            throw new IOException(path + " is " + size + " bytes; bootmedic neutralizes in place only files up to " + MAX_FILE + " bytes");
        }
        try (InputStream in = Channels.newInputStream(tree.openRead(path))) {
            return in.readAllBytes();
        }
    }

    private byte[] readExtents(List<Extent> extents, int length) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(length);
        for (Extent e : extents) {
            int n = (int) Math.min(e.length(), out.remaining());
            device.read(e.offset(), out.slice(out.position(), n));
            out.position(out.position() + n);
        }
        return out.array();
    }

    /** Writes {@code content} (or zeros when null) over the extents, then makes it durable. */
    private void overwrite(List<Extent> extents, byte[] content) throws IOException {
        int at = 0;
        for (Extent e : extents) {
            int n = (int) e.length();
            device.write(e.offset(), content == null ? ByteBuffer.allocate(n) : ByteBuffer.wrap(content, at, n));
            at += n;
        }
        device.flush();
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
