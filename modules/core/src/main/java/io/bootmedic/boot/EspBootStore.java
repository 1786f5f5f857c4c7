package io.bootmedic.boot;

import io.bootmedic.fat.FatFile;
import io.bootmedic.fat.FatVolume;
import io.bootmedic.format.FormatException;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.SystemPartition;
import io.bootmedic.remediation.Undo;
import io.bootmedic.util.DurableFiles;
import io.bootmedic.util.HostJournals;
import io.bootmedic.util.Json;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The BCD store on an EFI system partition reached offline (an image or a device). The store and its logs are read,
 * the logs replayed in memory, the boot rules planned and made with the registry editor; then the original store is
 * copied to the host and journalled, and the edited one written over it in place: same length, into the clusters
 * the store alone owns (see {@link FatVolume}), so no FAT or directory byte changes. A store the edit would have to
 * grow is refused untouched. Undo writes the host copy back the same way.
 */
public final class EspBootStore implements SystemPartition {
    static final String SCHEMA = "bootmedic.bcd-journal/v1";
    public static final String BCD = "EFI/Microsoft/Boot/BCD";
    /** BCD stores are tens of KB; anything near this is not one. */
    static final long MAX_STORE = 16L << 20;
    private final BlockDevice device;
    private final String volumeId;
    private final String label;
    private final Path quarantineDir;
    private final String volumeKey;
    private String fileSystem = "FAT";

    /**
     * @param quarantineDir the host folder where the original store and the journal are kept (per run and partition)
     */
    public EspBootStore(BlockDevice device, String volumeId, String label, Path quarantineDir) {
        this.device = device;
        this.volumeId = volumeId;
        this.label = label;
        this.quarantineDir = quarantineDir;
        this.volumeKey = volumeId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** This partition when it is a FAT volume holding a Windows boot configuration; empty otherwise (a Linux-only ESP). */
    public static Optional<EspBootStore> probe(BlockDevice device, String label, Path quarantineDir) throws IOException {
        FatVolume fat = FatVolume.open(device);
        if (fat.find(BCD).isEmpty()) {
            return Optional.empty();
        }
        EspBootStore store = new EspBootStore(device, "esp:" + fat.serial(), label, quarantineDir);
        store.fileSystem = fat.typeName();
        return Optional.of(store);
    }

    @Override
    public String volumeId() {
        return volumeId;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String fileSystem() {
        return fileSystem;
    }

    private Path runDir(String runId) {
        return quarantineDir.resolve(runId).resolve(volumeKey);
    }

    @Override
    public List<ActionResult> apply(String runId, String playbookId, List<RepairRule> rules, boolean dryRun) throws IOException {
        List<ActionResult> results = new ArrayList<>();
        FatVolume fat = FatVolume.open(device);
        FatFile file = fat.find(BCD).orElseThrow(() -> new IOException(label + ": " + BCD + " is gone"));
        String interrupted = finishInterrupted(fat, file);
        byte[] primary = fat.read(file, MAX_STORE);
        BcdEdit edit = BcdEdit.make(label, BCD, primary, logs(fat), rules, dryRun, interrupted);
        if (edit.edited == null) {
            return edit.results;
        }
        byte[] edited = edit.edited;
        if (edited.length > primary.length) {
            return edit.refuse("the store would have to grow from " + primary.length + " to " + edited.length + " bytes, and bootmedic only "
                    + "rewrites a file on FAT in place; nothing was changed. Next: run bcdedit (or bootmedic) on the machine in WinPE or WinRE");
        }
        // bytes past the hive's end (slack a file of this length kept) stay as they were
        byte[] content = Arrays.copyOf(edited, primary.length);
        System.arraycopy(primary, edited.length, content, edited.length, primary.length - edited.length);
        Path dir = runDir(runId);
        Files.createDirectories(dir);
        DurableFiles.write(dir.resolve("BCD"), primary);
        Map<String, Object> journal = new LinkedHashMap<>();
        journal.put("schema", SCHEMA);
        journal.put("runId", runId);
        journal.put("playbook", playbookId);
        journal.put("volumeId", volumeId);
        journal.put("device", device.describe());
        journal.put("path", BCD);
        journal.put("size", primary.length);
        journal.put("ranges", file.ranges().stream().map(r -> List.of(r[0], r[1])).toList());
        journal.put("sha256Before", Sha256.of(primary));
        journal.put("sha256After", Sha256.of(content));
        journal.put("changes", edit.changes().stream().map(c -> List.of(c.rule().id(), c.keyPath(), c.was(), c.becomes())).toList());
        journal.put("startedAt", Instant.now().toString());
        journal.put("state", "writing");
        DurableFiles.write(dir.resolve("journal.json"), Json.write(journal));
        String error = null;
        try {
            fat.overwrite(file, primary, content);
            journal.put("state", "written");
        } catch (IOException e) {
            error = e.getMessage();
            journal.put("state", restore(fat, file, primary) ? "not-written" : "torn");
        }
        DurableFiles.write(dir.resolve("journal.json"), Json.write(journal));
        return edit.done(dir.resolve("BCD").toString(), error);
    }

    /**
     * A run that stopped while writing (the process or the machine died) left its journal at "writing": the store holds
     * the old bytes, the new ones, or a mix. A mix is put back from the host copy before anything else is read, so
     * no plan is ever made from a torn store. Says what it did, or null when there was nothing to finish.
     */
    private String finishInterrupted(FatVolume fat, FatFile file) throws IOException {
        List<String> done = new ArrayList<>();
        for (Path j : HostJournals.all(quarantineDir, volumeKey)) {
            Map<String, Object> journal = Json.readObject(Files.readAllBytes(j));
            String state = String.valueOf(journal.get("state"));
            if (!SCHEMA.equals(journal.get("schema")) || !(state.equals("writing") || state.equals("torn"))) {
                continue;
            }
            String run = Json.string(journal, "runId");
            byte[] now = fat.read(file, MAX_STORE);
            String sha = Sha256.of(now);
            if (sha.equals(journal.get("sha256After"))) {
                journal.put("state", "written");
                done.add("run " + run + " had finished writing the store before it stopped");
            } else if (sha.equals(journal.get("sha256Before"))) {
                journal.put("state", "not-written");
                done.add("run " + run + " stopped before writing the store");
            } else {
                byte[] copy = Files.readAllBytes(j.getParent().resolve("BCD"));
                if (copy.length != now.length || !Sha256.of(copy).equals(journal.get("sha256Before"))) {
                    throw new IOException(label + ": run " + run + " stopped while writing " + BCD + ", and its host copy " + j.getParent().resolve("BCD")
                            + " is not the recorded original; nothing was changed. Next: restore that file by hand or from a backup");
                }
                fat.overwrite(file, now, copy);
                journal.put("state", "not-written");
                done.add("run " + run + " stopped while writing the store; its original was put back from the host copy first");
            }
            DurableFiles.write(j, Json.write(journal));
        }
        return done.isEmpty() ? null : String.join("; ", done);
    }

    /** After a failed write: the original back if the store no longer holds it. */
    private static boolean restore(FatVolume fat, FatFile file, byte[] primary) {
        try {
            byte[] now = fat.read(file, MAX_STORE);
            if (!Arrays.equals(now, primary)) {
                fat.overwrite(file, now, primary);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<io.bootmedic.registry.edit.LogReplay.LogFile> logs(FatVolume fat) throws IOException {
        List<LogReplay.LogFile> logs = new ArrayList<>();
        for (String suffix : List.of(".LOG", ".LOG1", ".LOG2")) {
            Optional<FatFile> log = fat.find(BCD + suffix);
            if (log.isPresent()) {
                logs.add(new LogReplay.LogFile("BCD" + suffix, fat.read(log.get(), MAX_STORE)));
            }
        }
        return logs;
    }

    @Override
    public Undo.Result undo(String runId) throws IOException {
        Path journalFile = findJournal(runId);
        if (journalFile == null) {
            return new Undo.Result(null, List.of(), "no boot configuration change of this partition under " + quarantineDir);
        }
        Map<String, Object> journal = Json.readObject(Files.readAllBytes(journalFile));
        String run = Json.string(journal, "runId");
        if (!SCHEMA.equals(journal.get("schema")) || !BCD.equals(journal.get("path"))) {
            throw new FormatException(journalFile + ": not a bootmedic BCD journal; nothing was restored");
        }
        String state = String.valueOf(journal.get("state"));
        if (state.equals("undone") || state.equals("not-written")) {
            return new Undo.Result(run, List.of(new Undo.Restored(BCD, "already-in-place", "run " + run + " left the store as it was")), null);
        }
        // the copy's name is derived, never read from the journal
        byte[] copy = Files.readAllBytes(journalFile.getParent().resolve("BCD"));
        if (!Sha256.of(copy).equals(journal.get("sha256Before"))) {
            return new Undo.Result(run, List.of(new Undo.Restored(BCD, "failed", "the host-side copy " + journalFile.getParent().resolve("BCD")
                    + " does not have the recorded SHA-256; nothing was written")), null);
        }
        FatVolume fat = FatVolume.open(device);
        Optional<FatFile> file = fat.find(BCD);
        if (file.isEmpty() || file.get().size() != copy.length) {
            return new Undo.Result(run, List.of(new Undo.Restored(BCD, "kept-in-quarantine",
                    "the store is gone or has another size now; the original stays at " + journalFile.getParent().resolve("BCD"))), null);
        }
        byte[] now = fat.read(file.get(), MAX_STORE);
        String sha = Sha256.of(now);
        Undo.Restored outcome;
        if (sha.equals(journal.get("sha256Before"))) {
            outcome = new Undo.Restored(BCD, "already-in-place", null);
        } else if (sha.equals(journal.get("sha256After")) || state.equals("torn") || state.equals("writing")) {
            // after bootmedic's own write (or one cut short), nobody else's change is overwritten
            fat.overwrite(file.get(), now, copy);
            outcome = new Undo.Restored(BCD, "restored", null);
        } else {
            outcome = new Undo.Restored(BCD, "kept-in-quarantine", "Windows (or someone) changed the store after bootmedic did; it was not "
                    + "overwritten. The original is at " + journalFile.getParent().resolve("BCD"));
        }
        journal.put("state", outcome.ok() ? "undone" : state);
        DurableFiles.write(journalFile, Json.write(journal));
        return new Undo.Result(run, List.of(outcome), null);
    }

    private Path findJournal(String runId) throws IOException {
        return HostJournals.find(quarantineDir, volumeKey, runId, journal -> SCHEMA.equals(journal.get("schema")));
    }

}
