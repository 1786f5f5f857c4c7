package io.bootmedic.cloud;

import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.sim.Faults;
import io.bootmedic.cloud.sim.Killed;
import io.bootmedic.cloud.sim.Killer;
import io.bootmedic.cloud.sim.Scenario;
import io.bootmedic.cloud.sim.SimHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine against thousands of simulated clouds (issue 24, "Proven under faults"): each seed draws a world, a mix of
 * faults and up to three orchestrator kills, and after it every invariant is checked by what the simulated cloud saw.
 * A failing seed is printed; {@code -Dbootmedic.cloud.seed=S} runs that one alone, {@code -Dbootmedic.cloud.seeds=N} sets how many.
 */
class EnginePropertyTest {
    private static final long BUDGET_MILLIS = 60_000;

    @Test
    void everySeedKeepsEveryInvariant() {
        String one = System.getProperty("bootmedic.cloud.seed");
        long first = one != null ? Long.parseLong(one) : 1;
        long count = one != null ? 1 : Long.getLong("bootmedic.cloud.seeds", 10_000);
        long t0 = System.nanoTime();
        List<String> failures = new ArrayList<>();
        Map<Step, Integer> ends = new EnumMap<>(Step.class);
        int kills = 0;
        int rollbacks = 0;
        for (long seed = first; seed < first + count; seed++) {
            try {
                SimHarness.Outcome o = SimHarness.run(seed);
                kills += o.kills();
                rollbacks += o.rolledBack() && o.kills() > 0 ? 1 : 0;
                o.report().vms().forEach(v -> ends.merge(v.step(), 1, Integer::sum));
                if (!o.problems().isEmpty()) {
                    failures.add("seed " + seed + " (" + o.vms() + " VMs, " + o.kills() + " kills): " + String.join("; ", o.problems()));
                }
            } catch (RuntimeException | AssertionError e) {
                failures.add("seed " + seed + " threw " + e);
            }
            if ((System.nanoTime() - t0) / 1_000_000 > BUDGET_MILLIS) {
                fail("out of time after seed " + seed + " of " + (first + count - 1));
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("EnginePropertyTest: %d seeds in %d ms, %d orchestrator kills, %d mid-run rollbacks, VMs ended %s%n", count, ms, kills,
                rollbacks, ends);
        if (!failures.isEmpty()) {
            fail(failures.size() + " seed(s) broke an invariant; run one with -Dbootmedic.cloud.seed=S:\n"
                    + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        }
        if (one == null) {
            // not vacuous: the seeds repaired, rolled back, skipped and killed
            assertTrue(ends.getOrDefault(Step.REPAIRED, 0) > count, "repaired " + ends);
            assertTrue(ends.getOrDefault(Step.ROLLED_BACK, 0) > count / 20, "rolled back " + ends);
            assertTrue(ends.getOrDefault(Step.SKIPPED, 0) > count, "skipped " + ends);
            assertTrue(ends.getOrDefault(Step.CLEAN, 0) > 0, "clean " + ends);
            assertTrue(kills > count, "kills " + kills);
        }
    }

    @Test
    void aCalmCloudRepairsEveryRepairableVmAndTouchesNoOther() {
        for (long seed = 1; seed <= 200; seed++) {
            Scenario s = Scenario.of(seed, 8, Faults.none());
            RunReport r = Engine.run(s.cloud(), new MemoryJournalStore(), s.clock(), s.config(), s.runId());
            s.clock().sleepUntil(s.clock().now() + 3_600_000);
            assertEquals(List.of(), s.cloud().verify(r), "seed " + seed);
            Set<String> repairable = s.cloud().repairable();
            for (VmRecord v : r.vms()) {
                assertEquals(repairable.contains(v.uid()) ? Step.REPAIRED : Step.SKIPPED, v.step(), "seed " + seed + " " + v);
            }
        }
    }

    @Test
    void aCloudThatOnlyLagsStillRepairsEveryRepairableVm() {
        // every read inside a change's window (up to 4 min) shows the state before it: the grace periods must absorb all of it
        Faults lagging = new Faults(0, 0, 0, 1.0, 240_000, 0, 0, 0, 0, 0, 0, 0);
        for (long seed = 1; seed <= 200; seed++) {
            Scenario s = Scenario.of(seed, 6, lagging);
            RunReport r = Engine.run(s.cloud(), new MemoryJournalStore(), s.clock(), s.config(), s.runId());
            s.clock().sleepUntil(s.clock().now() + 3_600_000);
            assertEquals(List.of(), s.cloud().verify(r), "seed " + seed);
            Set<String> repairable = s.cloud().repairable();
            for (VmRecord v : r.vms()) {
                assertEquals(repairable.contains(v.uid()) ? Step.REPAIRED : Step.SKIPPED, v.step(), "seed " + seed + " " + v);
            }
        }
    }

    @Test
    void aRollbackRightAfterASwapPutsTheOriginalBackDespiteLaggingReads() {
        // the orchestrator dies just after the cloud took the swap; the operator rolls back at once, while reads still show the old boot disk
        Faults lagging = new Faults(0, 0, 0, 1.0, 240_000, 0, 0, 0, 0, 0, 0, 0);
        int swapped = 0;
        for (long seed = 1; seed <= 100; seed++) {
            Scenario s = Scenario.of(seed, 4, lagging);
            MemoryJournalStore store = new MemoryJournalStore();
            Killer killer = Killer.after("swap");
            try {
                Engine.run(killer.provider(s.cloud()), store, s.clock(), s.config(), s.runId());
            } catch (Killed e) {
                swapped++;
            }
            RunReport r = Engine.rollback(s.cloud(), store, s.clock(), s.config(), Set.of());
            s.clock().sleepUntil(s.clock().now() + 3_600_000);
            assertEquals(List.of(), s.cloud().verify(r), "seed " + seed);
            for (VmRecord v : r.vms()) {
                assertTrue(v.step() == Step.ROLLED_BACK || v.step() == Step.SKIPPED, "seed " + seed + " " + v);
            }
        }
        assertTrue(swapped > 50, "killed after a swap in " + swapped + " of 100 seeds");
    }

    @Test
    void aSeedReproducesExactly() {
        for (long seed : new long[] {7, 4242, 99_991}) {
            SimHarness.Outcome a = SimHarness.run(seed);
            SimHarness.Outcome b = SimHarness.run(seed);
            assertEquals(a.report(), b.report(), "seed " + seed);
            assertEquals(a.problems(), b.problems(), "seed " + seed);
        }
    }
}
