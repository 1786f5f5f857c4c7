package io.bootmedic.cli;

import io.bootmedic.format.Printable;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.Target;
import io.bootmedic.remediation.TargetRunner;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportJson;
import io.bootmedic.report.ReportWriter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** What scan and fix share: a target, a playbook, one run, a report, an exit code. */
abstract class RunCommandBase implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Mixin
    PlaybookOptions playbookOptions;

    @Option(names = "--json", description = "Print the report (JSON) on standard output instead of the table.")
    boolean json;

    abstract String command();

    /** The --winre time limit, or null for none (every command but fix --winre). */
    java.time.Duration timeLimit() {
        return null;
    }

    /** fix --winre: the run looks only at the Windows WinRE was started for. */
    boolean winre() {
        return false;
    }

    /** Hook for what precedes the run (fix --wait-network). */
    void beforeRun(PrintWriter err) {
    }

    /** Hook for what follows a real run (safe mode, restart). */
    void afterRun(Report report, PrintWriter out) throws java.io.IOException {
    }

    abstract boolean dryRun();

    Path outbox() {
        return null;
    }

    Path reportFile() {
        return null;
    }

    /** Where the progress of an --all run is logged besides the screen (the stick's bootmedic.log); null for nowhere. */
    Path logFile() {
        return null;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        java.time.Duration limit = timeLimit();
        Report report;
        // the watchdog covers the network wait, the run and the delivery; what follows (WinReFinish) is bounded by itself
        try (WinReWatchdog dog = limit == null ? null : WinReWatchdog.start(limit, err, logFile())) {
            report = runAndDeliver(out, err);
        }
        if (report == null) {
            return ExitCodes.USAGE;
        }
        if (!dryRun()) {
            afterRun(report, out);
        }
        out.flush();
        return report.outcome().exitCode();
    }

    /** Everything up to the report's delivery; null when the playbook was refused (said on {@code err}). */
    private Report runAndDeliver(PrintWriter out, PrintWriter err) throws Exception {
        beforeRun(err);
        Playbook playbook;
        try {
            playbook = playbookOptions.load();
        } catch (PlaybookException e) {
            err.println("bootmedic: playbook refused: " + Printable.of(e.getMessage()));
            err.println("Nothing was changed.");
            return null;
        }
        TargetRunner.Result result;
        // progress lines of --all (which volume, unlocked with what) go to the log on the stick too
        try (io.bootmedic.console.WinPeConsole progress = target.all && logFile() != null
                ? io.bootmedic.console.WinPeConsole.open(System.err, logFile(), () -> false) : null) {
            if (progress != null) {
                target.progress = progress::line;
            }
            target.repair = repairOptions();
            target.winre = winre();
            Target chosen = target.target(!dryRun());
            result = new TargetRunner(playbookSource(playbook, err), new RunOptions(command(), dryRun()), Identity.DEFAULT, Identity.THIS_MACHINE)
                    .run(chosen, outbox(), reportFile());
            if (chosen instanceof io.bootmedic.volumes.ImageTarget image) {
                // a damaged copy of a header or table was worked around: the admin should know before trusting the disk
                image.warnings().forEach(w -> err.println("bootmedic: warning: " + Printable.of(w)));
            }
            for (String note : chosen.notes()) {
                err.println("bootmedic: note: " + Printable.of(note));
            }
        }
        Report report = result.report();
        List<ReportWriter.Written> written = result.written();
        if (report.error() != null) {
            // the one line that says why nothing was looked at (a packaging error); the report carries the same sentence
            err.println("bootmedic: " + Printable.of(report.error(), Main.MAX_MESSAGE));
        }
        if (json) {
            out.write(new String(ReportJson.toBytes(report), java.nio.charset.StandardCharsets.UTF_8));
        } else {
            new ConsoleReport(out).print(report, target.describe(), dryRun(), written);
        }
        ConsoleReport.printWriteFailures(err, written);
        if (!dryRun() && target.keyOptions.collector().isPresent()) {
            CollectorLink.deliver(target.keyOptions.collector().get(), report, outbox(), true, out, err);
        }
        return report;
    }

    /** The playbook alone, or with the collector's: asked for with --collector-playbooks, and always on the boot media (--all with agent.conf). */
    private io.bootmedic.remediation.PlaybookSource playbookSource(Playbook playbook, PrintWriter err) throws PlaybookException {
        return CollectorPlaybooks.source(playbook, playbookOptions, target.keyOptions.collector(), target.all, err);
    }

    /** --journal and --quarantine-dir: only commands that change volumes have them; scan looks with the defaults. */
    RepairOptions repairOptions() {
        return new RepairOptions();
    }
}
