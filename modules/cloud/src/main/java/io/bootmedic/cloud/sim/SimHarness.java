package io.bootmedic.cloud.sim;

import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One seed end to end: run the engine against the scenario's cloud, kill the orchestrator up to three times at a
 * drawn effect (a journal write or a cloud write), restart it from the journal after a pause in which the cloud goes
 * on, sometimes ask for a rollback half-way, then finish with resume (and rollback for anything a rollback left
 * stuck), run the clock on so late writers write, and check everything the simulated cloud saw.
 */
public final class SimHarness {
    private SimHarness() {
    }

    /** What happened to one seed; {@code problems} empty means every invariant held. */
    public record Outcome(long seed, int vms, int kills, boolean rolledBack, RunReport report, List<String> problems) {
    }

    public static Outcome run(long seed) {
        Scenario s = Scenario.of(seed);
        SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
        MemoryJournalStore store = new MemoryJournalStore();
        int kills = rng.nextInt(4);
        int vms = s.cloud().discoverCount();
        boolean rollbackMidway = rng.nextInt(5) == 0;
        boolean started = false;
        for (int k = 0; k < kills; k++) {
            Killer killer = new Killer(1 + rng.nextInt(12 * vms + 10), rng.nextLong());
            try {
                session(s, killer.provider(s.cloud()), killer.store(store), started, rollbackMidway && k == kills - 1);
            } catch (Killed e) {
                // the orchestrator died; the cloud goes on while it restarts
            }
            started = store.readAll().length > 0 && hasRun(store);
            s.clock().sleepUntil(s.clock().now() + (rng.nextInt(3) == 0 ? 0 : rng.nextLong(600_000))); // restarted at once, or minutes later
        }
        RunReport report = started ? Engine.resume(s.cloud(), store, s.clock(), s.config())
                : Engine.run(s.cloud(), freshIfTorn(store), s.clock(), s.config(), s.runId());
        if (!report.allTerminal()) {
            report = Engine.rollback(s.cloud(), store, s.clock(), s.config(), Set.of());
        }
        s.clock().sleepUntil(s.clock().now() + 6 * 3_600_000L);
        List<String> problems = new ArrayList<>(s.cloud().verify(report));
        return new Outcome(seed, vms, kills, rollbackMidway, report, problems);
    }

    private static void session(Scenario s, io.bootmedic.cloud.provider.CloudProvider cloud, JournalStore store, boolean started, boolean rollback) {
        if (!started) {
            Engine.run(cloud, freshIfTorn(store), s.clock(), s.config(), s.runId());
        } else if (rollback) {
            Engine.rollback(cloud, store, s.clock(), s.config(), Set.of());
        } else {
            Engine.resume(cloud, store, s.clock(), s.config());
        }
    }

    /** A kill while writing the run's first line leaves a torn line and no run: the operator starts again. */
    private static JournalStore freshIfTorn(JournalStore store) {
        if (!hasRun(store)) {
            store.truncate(0);
        }
        return store;
    }

    private static boolean hasRun(JournalStore store) {
        byte[] b = store.readAll();
        for (byte x : b) {
            if (x == '\n') {
                return true;
            }
        }
        return false;
    }
}
