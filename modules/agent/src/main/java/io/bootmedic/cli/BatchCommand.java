package io.bootmedic.cli;

import io.bootmedic.batch.BatchProgress;
import io.bootmedic.batch.BatchRun;
import io.bootmedic.batch.BatchState;
import io.bootmedic.batch.BatchTargets;
import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.format.Printable;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.TargetRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "batch", sortOptions = false,
        description = {"Fix many targets (disk images, devices, mounted drives) in parallel, resumably.",
                "A state file records what is done; running the same command again skips it and retries the rest.",
                "Exit 0 only when every target is clean now; 1 otherwise."})
class BatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--images", paramLabel = "DIR", description = "Every disk image in DIR (*.vhd, *.vhdx, *.img, *.raw, *.bin, *.dd, *.qcow2, *.qcow, *.vmdk, *.vdi; not the base image of qcow2 overlays).")
    Path imagesDir;

    @Option(names = "--list", paramLabel = "FILE", description = "A file with one target path per line (image, device or mounted folder); '#' starts a comment.")
    Path listFile;

    @Option(names = "--parallel", paramLabel = "N", description = "How many targets at once (default: number of cores).")
    int parallel = Runtime.getRuntime().availableProcessors();

    @Option(names = "--state", paramLabel = "FILE", description = "Where progress is kept (default: bootmedic-batch-state.json in the current folder).")
    Path stateFile = Path.of("bootmedic-batch-state.json");

    @Option(names = "--outbox", paramLabel = "DIR", description = "Write one report per target here.")
    Path outbox;

    @Option(names = "--dry-run", description = "Inspect every target, change nothing.")
    boolean dryRun;

    @Mixin
    PlaybookOptions playbookOptions;

    @Mixin
    KeyOptions keyOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((imagesDir == null) == (listFile == null)) {
            throw new UsageError("give exactly one of --images DIR or --list FILE");
        }
        if (parallel < 1) {
            throw new UsageError("--parallel must be at least 1");
        }
        Playbook playbook;
        try {
            playbook = playbookOptions.load();
        } catch (PlaybookException e) {
            err.println("bootmedic: playbook refused: " + Printable.of(e.getMessage()));
            err.println("Nothing was changed.");
            return ExitCodes.USAGE;
        }
        VolumeKeys keys = keyOptions.keys();
        List<Path> targets = imagesDir != null ? BatchTargets.fromDirectory(imagesDir) : BatchTargets.fromList(listFile);
        if (targets.isEmpty()) {
            // "ALL CLEAN: 0 target(s)" would tell a fleet run that nothing is broken
            err.println("bootmedic: " + (imagesDir != null
                    ? "no disk images in " + imagesDir + " (looked for *." + String.join(", *.", BatchTargets.IMAGE_EXTENSIONS.stream().sorted().toList()) + ")"
                    : "batch --list " + listFile + " names no targets (one image, device or folder per line; '#' starts a comment)")
                    + ". Nothing was run.");
            return ExitCodes.USAGE;
        }
        BatchState state = BatchState.load(stateFile);
        TargetRunner runner = new TargetRunner(CollectorPlaybooks.source(playbook, playbookOptions, keyOptions.collector(), false, err),
                new RunOptions(dryRun ? "scan" : "fix", dryRun), Identity.DEFAULT, Identity.THIS_MACHINE);
        BatchRun batch = new BatchRun(runner, state, dryRun, parallel, outbox, keys, report -> keyOptions.collector().ifPresent(c ->
                CollectorLink.deliver(c, report, outbox, false, new PrintWriter(java.io.OutputStream.nullOutputStream()), spec.commandLine().getErr())));
        List<Path> todo = batch.todo(targets);
        out.printf("batch: %d target(s), %d already done (%s), %d to run, %d at a time%n",
                targets.size(), targets.size() - todo.size(), stateFile, todo.size(), parallel);
        out.flush();
        BatchProgress progress = new BatchProgress(out,
                System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM")), todo.size());
        Map<String, BatchState.Entry> thisRun = batch.run(todo, progress);
        return summarize(out, targets, state, thisRun);
    }

    private int summarize(PrintWriter out, List<Path> targets, BatchState state, Map<String, BatchState.Entry> thisRun) {
        out.println();
        out.println("OUTCOME     SECONDS  TARGET");
        int notDone = 0;
        for (Path t : targets) {
            BatchState.Entry e = thisRun.containsKey(key(t)) ? thisRun.get(key(t)) : state.get(key(t));
            String outcome = e == null ? "not run" : e.outcome();
            if (e == null || !e.done()) {
                notDone++;
            }
            out.printf(Locale.ROOT, "%-11s %7s  %s%n", outcome, e == null ? "-" : String.format(Locale.ROOT, "%.1f", e.seconds()), t);
        }
        out.println();
        if (dryRun) {
            out.println("DRY RUN: nothing was changed. " + (notDone == 0 ? "Nothing to fix." : notDone + " target(s) need work; run again without --dry-run."));
            out.flush();
            return notDone == 0 ? ExitCodes.CLEAN : ExitCodes.NEEDS_WORK;
        }
        if (notDone == 0) {
            out.println("ALL CLEAN: " + targets.size() + " target(s) fixed or had nothing to fix.");
        } else {
            out.println("NOT DONE: " + notDone + " of " + targets.size() + " target(s) still need attention (see the notes above).");
            out.println("Next: fix what the notes name (keys, damaged images) and run the same command again; finished targets are skipped.");
        }
        out.flush();
        return notDone == 0 ? ExitCodes.CLEAN : ExitCodes.NEEDS_WORK;
    }

    private static String key(Path t) {
        return BatchRun.key(t);
    }
}
