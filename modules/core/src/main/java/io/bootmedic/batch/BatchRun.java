package io.bootmedic.batch;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.format.ErrorWords;
import io.bootmedic.remediation.TargetRunner;
import io.bootmedic.report.Report;
import io.bootmedic.volumes.TargetFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The batch loop: runs every target not yet done, {@code parallel} at a time, records each in the
 * state file as it ends (so a power cut loses at most the ones running) and never lets one bad
 * disk stop the others. Printing the summary is the command's job.
 */
public final class BatchRun {
    private final TargetRunner runner;
    private final BatchState state;
    private final boolean dryRun;
    private final int parallel;
    private final Path outbox;
    private final VolumeKeys keys;
    private final Consumer<Report> afterEach;

    /** @param afterEach receives the report of every real (not dry) run, e.g. to send it to the collector */
    public BatchRun(TargetRunner runner, BatchState state, boolean dryRun, int parallel, Path outbox, VolumeKeys keys, Consumer<Report> afterEach) {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be at least 1");
        }
        this.runner = runner;
        this.state = state;
        this.dryRun = dryRun;
        this.parallel = parallel;
        this.outbox = outbox;
        this.keys = keys;
        this.afterEach = afterEach;
    }

    /** The targets this run takes: not done yet, or all of them in a dry run (which records nothing). */
    public List<Path> todo(List<Path> targets) {
        List<Path> todo = new ArrayList<>();
        for (Path t : targets) {
            BatchState.Entry e = state.get(key(t));
            if (e == null || !e.done() || dryRun) {
                todo.add(t);
            }
        }
        return todo;
    }

    /** Runs {@code todo}; gives each target's entry by {@link #key}. */
    public Map<String, BatchState.Entry> run(List<Path> todo, BatchProgress progress) throws InterruptedException, ExecutionException {
        Map<String, BatchState.Entry> thisRun = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Path t : todo) {
                futures.add(pool.submit(() -> {
                    progress.started(t);
                    BatchState.Entry entry = runOne(t);
                    thisRun.put(key(t), entry);
                    if (!dryRun) {
                        state.record(key(t), entry);
                    }
                    progress.finished(t, entry.outcome(), entry.done(), entry.seconds(), entry.note());
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
            progress.close();
        }
        return thisRun;
    }

    private BatchState.Entry runOne(Path t) {
        long start = System.nanoTime();
        try {
            Report report = runner.run(TargetFactory.forPath(t, !dryRun, keys), outbox, null).report();
            if (!dryRun) {
                afterEach.accept(report);
            }
            return new BatchState.Entry(report.outcome().wire(), report.runId(), Instant.now().toString(), seconds(start), describe(report));
        } catch (Exception e) {
            // one bad disk must not stop the others
            return new BatchState.Entry("error", null, Instant.now().toString(), seconds(start), ErrorWords.message(e));
        }
    }

    private static String describe(Report r) {
        long moved = r.filesMadeHarmless();
        String errors = String.join("; ", r.volumes().stream().filter(v -> v.error() != null).map(Report.VolumeReport::error).toList());
        String note = moved > 0 ? moved + " file(s) quarantined" : null;
        return errors.isEmpty() ? note : (note == null ? errors : note + "; " + errors);
    }

    /** How a target is named in the state file: its absolute, normalised path. */
    public static String key(Path t) {
        return t.toAbsolutePath().normalize().toString();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
