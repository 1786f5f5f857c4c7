package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookSet;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportWriter;
import io.bootmedic.report.RunMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Opens one target, runs the playbook over it and writes the report everywhere it belongs. */
public final class TargetRunner {
    private final PlaybookSource playbooks;
    private final RunOptions options;
    private final IdentityProbe identity;
    private final Supplier<Report.Host> thisMachine;

    /**
     * @param thisMachine who the machine bootmedic runs on is (SMBIOS serial, VM id); asked only when
     *                    the target is that machine's own disk (WinPE, safe mode)
     */
    public TargetRunner(Playbook playbook, RunOptions options, IdentityProbe identity, Supplier<Report.Host> thisMachine) {
        this(PlaybookSource.fixed(PlaybookSet.of(playbook)), options, identity, thisMachine);
    }

    /** {@code playbooks} is asked once per target, after its volumes are open (the collector's playbooks depend on the machine). */
    public TargetRunner(PlaybookSource playbooks, RunOptions options, IdentityProbe identity, Supplier<Report.Host> thisMachine) {
        this.playbooks = playbooks;
        this.options = options;
        this.identity = identity;
        this.thisMachine = thisMachine;
    }

    public record Result(Report report, List<ReportWriter.Written> written) {
    }

    public Result run(Target target, Path outbox, Path reportFile) throws IOException {
        try (target) {
            List<OpenedVolume> volumes;
            try {
                volumes = target.open();
            } catch (UnopenedTargetException e) {
                return unopened(target, e, outbox, reportFile);
            }
            Report.Host host = host(target);
            RemediationRun run = new RemediationRun(playbooks.playbooks(host, computerNames(volumes)), options, identity, CrashPoint.NONE)
                    .repairs(target.repairs());
            Report report = run.run(target.mode(), volumes, target.systemPartitions(), host).withNotes(target.reportNotes())
                    .withNotes(clockNote(target.mode()));
            // written while the volumes are still open: an image's file system is gone after close
            List<ReportWriter.Written> written = new ReportWriter().write(report, reportVolumes(volumes), outbox, reportFile);
            return new Result(report, written);
        }
    }

    /** No volume could be looked at (the platform did not load): a failed report that says why, in the outbox and the report file. */
    private Result unopened(Target target, UnopenedTargetException e, Path outbox, Path reportFile) {
        Report.Host host = host(target);
        RemediationRun run = new RemediationRun(playbooks.playbooks(host, List.of()), options, identity, CrashPoint.NONE);
        Report report = run.unopened(target.mode(), host, e.getMessage()).withNotes(clockNote(target.mode()));
        return new Result(report, new ReportWriter().write(report, List.of(), outbox, reportFile));
    }

    /** WinPE and WinRE take their time from the firmware clock, usually local time: the report says its times are unchecked. */
    private static List<String> clockNote(RunMode mode) {
        return mode == RunMode.WINPE ? List.of(Report.UNCHECKED_CLOCK) : List.of();
    }

    /** The names the volumes' registries give (read again by the run; a hive read is small next to a fetch per volume). */
    private List<String> computerNames(List<OpenedVolume> volumes) throws IOException {
        List<String> names = new ArrayList<>();
        for (OpenedVolume v : volumes) {
            if (!v.locked() && WindowsVolumes.isWindows(v.tree())) {
                String name = identity.identify(v.tree()).windows().computerName();
                if (name != null && !name.isBlank() && !names.contains(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** The machine is only known when bootmedic runs on it (WinPE, safe mode), not when it sees its disk from elsewhere. */
    private Report.Host host(Target target) {
        if (!target.mode().onTheBrokenMachine()) {
            return Report.Host.UNKNOWN;
        }
        try {
            return thisMachine.get();
        } catch (RuntimeException | LinkageError e) {
            // LinkageError: the platform's native code is missing; the machine is then simply not known
            return Report.Host.UNKNOWN;
        }
    }

    /** Reports go onto every Windows volume a real fix ran on; a dry run or scan leaves volumes untouched. */
    private List<FileTree> reportVolumes(List<OpenedVolume> volumes) throws IOException {
        List<FileTree> trees = new ArrayList<>();
        if (options.dryRun()) {
            return trees;
        }
        for (OpenedVolume v : volumes) {
            if (!v.locked() && !v.tree().isReadOnly() && WindowsVolumes.isWindows(v.tree())) {
                trees.add(v.tree());
            }
        }
        return trees;
    }
}
