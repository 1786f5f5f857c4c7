package io.bootmedic.remediation;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.fs.FileTree;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookSet;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.report.Diagnosis;
import io.bootmedic.report.FileAction;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.report.VolumeOutcome;
import io.bootmedic.util.AgentVersion;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One run over one target: for each Windows volume, finish interrupted runs, inspect, quarantine
 * (unless a dry run), verify, and describe it all in a report. The engine sees only
 * {@link FileTree}s, never which door they came through.
 */
public final class RemediationRun {
    private final PlaybookSet playbooks;
    private final Playbook playbook;
    private final RunOptions options;
    private final IdentityProbe identity;
    private final CrashPoint crash;
    private final String runId = UUID.randomUUID().toString();
    private final Inspector inspector = new Inspector();
    /** The repair rules that act on each Windows volume (all but the boot rules a system partition takes). */
    private List<RepairRule> volumeRules = List.of();
    private Repairs repairs;
    private final Diagnoser diagnoser = Diagnoser.load();

    public RemediationRun(Playbook playbook, RunOptions options, IdentityProbe identity, CrashPoint crash) {
        this(PlaybookSet.of(playbook), options, identity, crash);
    }

    /** A run applying several playbooks at once (the primary one and the collector's, verified). */
    public RemediationRun(PlaybookSet playbooks, RunOptions options, IdentityProbe identity, CrashPoint crash) {
        this.playbooks = playbooks;
        this.playbook = playbooks.combined();
        this.options = options;
        this.identity = identity;
        this.crash = crash;
    }

    /** Who applies the repair rules (the target's choice); {@link Repairs#load()} when not set. */
    public RemediationRun repairs(Repairs chosen) {
        this.repairs = chosen;
        return this;
    }

    public String runId() {
        return runId;
    }

    /** Runs over the already opened volumes of {@code target}. Non-Windows volumes are left out of the report. */
    public Report run(RunMode mode, List<OpenedVolume> opened, Report.Host host) throws IOException {
        return run(mode, opened, List.of(), host);
    }

    /**
     * Runs over the opened volumes and the target's system partitions: the boot rules go to those partitions when
     * there are any (their report entries are the partition's), every other rule to each Windows volume.
     */
    public Report run(RunMode mode, List<OpenedVolume> opened, List<SystemPartition> systems, Report.Host host) throws IOException {
        String started = Instant.now().toString();
        List<RepairRule> allBoot = playbook.repairs().stream().filter(SystemPartition::isBootRule).toList();
        List<SystemPartition> stores = new ArrayList<>(systems);
        if (stores.isEmpty() && !allBoot.isEmpty() && (mode == RunMode.OFFLINE_IMAGE || mode == RunMode.DEVICE)) {
            // no EFI system partition: a BIOS disk keeps Boot/BCD on an NTFS volume (offline only; on Windows bcdedit is the tool)
            for (OpenedVolume v : opened) {
                BootStores.load().onVolume(v, crash).ifPresent(stores::add);
            }
        }
        List<RepairRule> bootRules = stores.isEmpty() ? List.of() : allBoot;
        volumeRules = playbook.repairs().stream().filter(r -> !bootRules.contains(r)).toList();
        List<Report.VolumeReport> volumes = new ArrayList<>();
        for (OpenedVolume volume : opened) {
            if (volume.locked()) {
                volumes.add(lockedReport(volume));
            } else if (WindowsVolumes.isWindows(volume.tree())) {
                volumes.add(process(volume));
            }
        }
        if (!bootRules.isEmpty()) {
            for (SystemPartition system : stores) {
                volumes.add(processSystem(system, bootRules, opened));
            }
        }
        List<Report.AppliedPlaybook> applied = playbooks.playbooks().stream()
                .map(p -> new Report.AppliedPlaybook(p.id(), p.version(), p.source(), p.publication(), p.signedBy())).toList();
        List<Report.RefusedPlaybook> refused = playbooks.refused().stream().map(r -> new Report.RefusedPlaybook(r.publication(), r.reason())).toList();
        return new Report(Report.SCHEMA, runId, AgentVersion.get(), started, Instant.now().toString(), mode, options.command(),
                new Report.PlaybookRef(playbook.id(), playbook.source()), host, RunOutcome.of(volumes), volumes, applied, refused);
    }

    /** The report of a run that could not open its target at all: no volumes, failed, and why. */
    public Report unopened(RunMode mode, Report.Host host, String error) {
        String now = Instant.now().toString();
        List<Report.AppliedPlaybook> applied = playbooks.playbooks().stream()
                .map(p -> new Report.AppliedPlaybook(p.id(), p.version(), p.source(), p.publication(), p.signedBy())).toList();
        List<Report.RefusedPlaybook> refused = playbooks.refused().stream().map(r -> new Report.RefusedPlaybook(r.publication(), r.reason())).toList();
        return new Report(Report.SCHEMA, runId, AgentVersion.get(), now, now, mode, options.command(),
                new Report.PlaybookRef(playbook.id(), playbook.source()), host, RunOutcome.FAILED, List.of(), applied, refused, error, List.of());
    }

    /** The boot rules on one system partition; a rule's 'when' is judged on the unlocked Windows volumes. */
    private Report.VolumeReport processSystem(SystemPartition system, List<RepairRule> rules, List<OpenedVolume> opened) {
        List<ActionResult> results = new ArrayList<>();
        List<RepairRule> applicable = new ArrayList<>();
        String error = null;
        try {
            List<FileTree> windows = new ArrayList<>();
            for (OpenedVolume v : opened) {
                if (!v.locked() && WindowsVolumes.isWindows(v.tree())) {
                    windows.add(v.tree());
                }
            }
            for (RepairRule r : rules) {
                if (r.when() == null) {
                    applicable.add(r);
                    continue;
                }
                if (windows.isEmpty()) {
                    results.add(new ActionResult(r.id(), "-", 0, null, null, Verdict.NEEDS_REPAIR, FileAction.NOT_DONE_HERE, null,
                            "its 'when' (" + RuleConditions.describe(r.when()) + ") is about the Windows volume, which is locked or absent here; "
                                    + "give its BitLocker key, or use a playbook without 'when' for this rule. Nothing was changed", null));
                    continue;
                }
                boolean holds = false;
                for (FileTree t : windows) {
                    holds |= RuleConditions.holds(t, r.when());
                }
                if (holds) {
                    applicable.add(r);
                } else {
                    results.add(new ActionResult(r.id(), "-", 0, null, null, Verdict.NOT_NEEDED, FileAction.KEPT, null, null,
                            "its 'when' does not hold here: " + RuleConditions.describe(r.when())));
                }
            }
            if (!applicable.isEmpty()) {
                results.addAll(system.apply(runId, playbook.id(), applicable, options.dryRun()));
            }
        } catch (IOException e) {
            error = ErrorWords.message(e);
        }
        return new Report.VolumeReport(system.volumeId(), system.label(), system.fileSystem(), Report.BitLocker.NONE, Report.Windows.UNKNOWN, "n/a",
                results.stream().map(RemediationRun::toReport).toList(), volumeOutcome(results, error, false), error, List.of());
    }

    private Report.VolumeReport lockedReport(OpenedVolume v) {
        return new Report.VolumeReport(v.volumeId(), v.label(), v.fileSystem(), v.bitlocker(), Report.Windows.UNKNOWN, v.journal(),
                List.of(), VolumeOutcome.LOCKED, v.lockedMessage(), List.of());
    }

    private Report.VolumeReport process(OpenedVolume v) {
        FileTree tree = v.tree();
        IdentityProbe.Result identified = identity.identify(tree);
        Report.Windows windows = identified.windows();
        List<ActionResult> results = new ArrayList<>();
        List<String> notes = new ArrayList<>(identified.notes());
        boolean interruptedPending = false;
        String error = null;
        Diagnosis diagnosis = diagnose(v, notes); // before any change: the volume as it was found
        try {
            List<Journal> interrupted = new JournalStore(tree).interrupted();
            if (!interrupted.isEmpty() && options.dryRun()) {
                interruptedPending = true;
                for (Journal j : interrupted) {
                    notes.add("run " + j.runId() + " was interrupted; 'fix' will complete it, 'undo --run " + j.runId() + "' will roll it back");
                }
            } else if (!interrupted.isEmpty()) {
                results.addAll(new JournalRecovery(tree).completeInterrupted(runId));
                notes.add("completed " + interrupted.size() + " interrupted run(s): "
                        + String.join(", ", interrupted.stream().map(Journal::runId).toList()));
            }
            List<Finding> findings = inspector.inspect(tree, playbook);
            List<Finding> faulty = findings.stream().filter(f -> f.verdict() == Verdict.FAULTY).toList();
            if (options.dryRun()) {
                faulty.forEach(f -> results.add(ActionResult.of(f, FileAction.WOULD_QUARANTINE, null, null)));
            } else if (!faulty.isEmpty()) {
                if (!tree.isReadOnly()) {
                    if (metadataFrozen(v)) {
                        notes.add("journal was " + v.journal() + ": it was emptied as ntfsfix does and the volume marked dirty, "
                                + "so Windows runs chkdsk at next boot (--journal reset)");
                    }
                    results.addAll(new Quarantiner(tree, crash).quarantine(runId, playbook.id(), faulty));
                } else if (v.neutralizer() != null && metadataFrozen(v)) {
                    results.addAll(v.neutralizer().neutralize(runId, faulty));
                    notes.add("journal " + v.journal() + ": file data overwritten with zeros in place (no metadata changed); "
                            + "the original bytes are kept on this host at the quarantine path");
                } else {
                    throw new IOException(readOnlyReason(v));
                }
            }
            findings.stream().filter(f -> f.verdict() != Verdict.FAULTY).forEach(f -> results.add(ActionResult.of(f, FileAction.KEPT, null, null)));
            if (!volumeRules.isEmpty()) {
                if (!options.dryRun() && (tree.isReadOnly() || metadataFrozen(v))) {
                    // a hive is replaced by renames: metadata changes, which a frozen journal or read-only media forbid
                    String why = readOnlyReason(v).replace("the faulty file cannot be moved", "a registry hive cannot be replaced");
                    volumeRules.forEach(r -> results.add(new ActionResult(r.id(), "-", 0, null, null, Verdict.NEEDS_REPAIR, FileAction.FAILED,
                            null, why)));
                } else {
                    results.addAll((repairs != null ? repairs : Repairs.load()).apply(tree, crash, runId, playbook.id(), volumeRules, options.dryRun()));
                }
            }
        } catch (IOException e) {
            // a folder that cannot be listed is an AccessDeniedException whose message is only its path
            error = ErrorWords.message(e);
        }
        return new Report.VolumeReport(v.volumeId(), v.label(), v.fileSystem(), v.bitlocker(), windows, v.journal(),
                results.stream().map(RemediationRun::toReport).toList(), volumeOutcome(results, error, interruptedPending), error, notes, diagnosis);
    }

    /** The read-only diagnosis; whatever goes wrong there becomes a note, never the run's failure. */
    private Diagnosis diagnose(OpenedVolume v, List<String> notes) {
        try {
            return diagnoser.diagnose(v.tree(), driveLetter(v), notes);
        } catch (IOException | RuntimeException e) {
            notes.add("diagnosis (crash dumps, pending updates, dirty hives) not made: " + ErrorWords.message(e));
            return null;
        }
    }

    /** The letter of a volume WinPE or Windows mounted (a root, id or label "C:" or "C:\\"), else null. */
    static String driveLetter(OpenedVolume v) {
        for (String s : new String[]{v.tree().describe(), v.volumeId(), v.label()}) {
            if (s != null && s.matches("[A-Za-z]:\\\\?")) {
                return s.substring(0, 1).toUpperCase(java.util.Locale.ROOT);
            }
        }
        return null;
    }

    private static boolean metadataFrozen(OpenedVolume v) {
        return "unclean".equals(v.journal()) || "hibernated".equals(v.journal());
    }

    private static String readOnlyReason(OpenedVolume v) {
        if (metadataFrozen(v)) {
            return "Windows did not shut " + v.label() + " down cleanly (journal: " + v.journal() + "), so its file system must not be changed "
                    + "offline: Windows would replay its own log over the change. Nothing was changed. Next: boot the machine into Safe Mode or WinPE "
                    + "and run 'bootmedic fix --root C:\\' there.";
        }
        return v.tree().describe() + " is read-only, so the faulty file cannot be moved. Mount it read-write and run again.";
    }

    private static VolumeOutcome volumeOutcome(List<ActionResult> results, String error, boolean interruptedPending) {
        if (error != null || results.stream().anyMatch(ActionResult::failed)) {
            return VolumeOutcome.FAILED;
        }
        if (interruptedPending || results.stream().anyMatch(r -> r.action() == FileAction.WOULD_QUARANTINE || r.action() == FileAction.WOULD_REPAIR
                || r.action() == FileAction.NOT_DONE_HERE)) {
            return VolumeOutcome.NEEDS_FIX;
        }
        return results.stream().anyMatch(r -> r.action().madeHarmless()) ? VolumeOutcome.FIXED : VolumeOutcome.CLEAN;
    }

    private static Report.Action toReport(ActionResult r) {
        return new Report.Action(r.rule(), r.path(), r.size(), r.sha256(), r.modified(), r.verdict().wire(), r.action(), r.quarantinePath(), r.error(), r.detail());
    }
}
