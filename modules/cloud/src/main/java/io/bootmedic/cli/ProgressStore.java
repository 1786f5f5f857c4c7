package io.bootmedic.cli;

import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The terminal's view of a run: every transition the journal makes durable is also one line on the terminal, with
 * how many VMs are done, failed and still going. It reads the line the engine wrote, so it can never say more than
 * the journal holds.
 */
final class ProgressStore implements JournalStore {
    private static final java.util.Set<String> DONE = java.util.Set.of("REPAIRED", "SKIPPED", "CLEAN", "ROLLED_BACK");

    private final JournalStore inner;
    private final PrintWriter out;
    private final Map<String, String> steps = new LinkedHashMap<>();
    private final long started = System.nanoTime();

    ProgressStore(JournalStore inner, PrintWriter out) {
        this.inner = inner;
        this.out = out;
    }

    /** A rough ETA once some VMs are done: the pace so far (time elapsed per VM finished, VMs running in parallel) times the VMs left. */
    private String eta(long done, long left) {
        if (done == 0 || left == 0) {
            return "";
        }
        long perVm = (System.nanoTime() - started) / 1_000_000_000L / done;
        long s = perVm * left;
        return String.format(java.util.Locale.ROOT, ", about %d h %02d min left", s / 3600, s / 60 % 60);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public byte[] readAll() {
        return inner.readAll();
    }

    @Override
    public void truncate(long length) {
        inner.truncate(length);
    }

    @Override
    public void append(byte[] line) {
        inner.append(line);
        try {
            Map<String, Object> m = Json.readObject(line);
            Map<String, Object> vm = Json.object(m, "vm");
            if (vm == null) {
                return;
            }
            String uid = Json.string(vm, "uid");
            String step = Json.string(vm, "step");
            steps.put(uid, step);
            long done = steps.values().stream().filter(DONE::contains).count();
            long failing = steps.values().stream().filter(s -> s.equals("FAILED") || s.startsWith("RB_")).count();
            String reason = Json.string(vm, "reason");
            long going = steps.size() - done - failing;
            out.printf("%s  %-22s %-13s done %d, rolling back %d, in progress %d%s%s%n", LocalTime.now(java.time.ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS),
                    uid, step, done, failing, going, eta(done, going + failing),
                    reason != null && (step.equals("FAILED") || DONE.contains(step)) ? "  (" + reason + ")" : "");
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the line is durable; a progress line that cannot be printed changes nothing
        }
    }
}
