package io.bootmedic.cli;

import io.bootmedic.format.Printable;
import io.bootmedic.remediation.JournalReader;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.remediation.SystemPartition;
import io.bootmedic.remediation.Target;
import io.bootmedic.remediation.Undo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "undo", sortOptions = false,
        description = {"Put quarantined files back where they were, with their bytes and times.",
                "Undoes the newest run unless --run names one. Never overwrites a file that is there now.",
                "Exit 0 everything restored (or nothing to undo), 1 something stayed in quarantine, 2 a journal was refused, 3 a volume stayed locked."})
class UndoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Mixin
    RepairOptions repair;

    @Option(names = "--run", paramLabel = "ID", description = "The run to undo (its ID is in the report and in bootmedic/journal on the volume).")
    String runId;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (runId != null && !JournalReader.isRunId(runId)) {
            throw new UsageError("--run " + runId + " is not a run ID: give the runId of the report (a UUID), or leave --run out to undo the newest run");
        }
        boolean allOk = true;
        boolean locked = false;
        target.repair = repair;
        try (Target t = target.target(true)) {
            List<OpenedVolume> volumes = t.open();
            for (OpenedVolume v : volumes) {
                if (v.locked()) {
                    out.println(Printable.of(v.label() + ": locked; unlock it to undo (" + v.lockedMessage() + ")"));
                    allOk = false;
                    locked = true;
                    continue;
                }
                Undo.Result result = v.tree().isReadOnly() && v.neutralizer() != null
                        ? v.neutralizer().undo(runId)
                        : new Undo(v.tree()).undo(runId);
                if (result.runId() == null && v.neutralizer() != null && !v.tree().isReadOnly()) {
                    result = v.neutralizer().undo(runId); // a run that neutralized in place while the volume was unclean
                }
                if (result.message() != null) {
                    out.println(Printable.of(v.label() + ": " + result.message()));
                }
                for (Undo.Restored r : result.files()) {
                    out.println("  " + Printable.of(r.outcome() + "  " + r.path() + (r.detail() == null ? "" : "  (" + r.detail() + ")")));
                }
                if (result.runId() != null && result.ok()) {
                    out.println("UNDONE: run " + result.runId() + " on " + Printable.of(v.label()) + " is rolled back.");
                }
                allOk &= result.ok();
            }
            for (SystemPartition sp : t.systemPartitions()) {
                Undo.Result result = sp.undo(runId);
                if (result.runId() == null) {
                    continue; // this partition's boot configuration was never changed
                }
                for (Undo.Restored r : result.files()) {
                    out.println("  " + Printable.of(r.outcome() + "  " + sp.label() + " " + r.path() + (r.detail() == null ? "" : "  (" + r.detail() + ")")));
                }
                if (result.ok()) {
                    out.println("UNDONE: run " + result.runId() + " on " + Printable.of(sp.label()) + " is rolled back.");
                }
                allOk &= result.ok();
            }
        }
        if (!allOk && locked) {
            out.println("NOT EVERYTHING WAS RESTORED: a volume stayed locked, so nothing on it was touched. Next: give its key "
                    + "(--recovery-password, --key-file, --key-bundle or --prompt) and run the same undo again.");
        } else if (!allOk) {
            out.println("NOT EVERYTHING WAS RESTORED: what stayed is still in bootmedic/quarantine on the volume; see the lines above.");
        }
        out.flush();
        return allOk ? ExitCodes.CLEAN : locked ? ExitCodes.LOCKED : ExitCodes.NEEDS_WORK;
    }
}
