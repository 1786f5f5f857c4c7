package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.VmRef;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Drives every VM of a run through its steps, one handler call at a time, in time order: a single thread, so a run is
 * deterministic under a virtual clock. Each transition is recorded in the journal before it is taken; the number of
 * VMs past their checks is bounded per region and the copies per worker by its devices (invariant 7); throttled and
 * failed calls are retried with backoff; a forward step that fails sends its VM down the rollback chain.
 */
public final class Engine {
    private final Context ctx;
    private final Journal journal;
    private final String runId;
    private final ForwardSteps forward;
    private final RollbackSteps back;
    private final Slots slots;
    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private final PriorityQueue<Task> ready = new PriorityQueue<>(Comparator.<Task>comparingLong(t -> t.wakeAt).thenComparingInt(t -> t.order));
    private final ArrayDeque<Task> waitingRegion = new ArrayDeque<>();
    private final ArrayDeque<Task> waitingWorker = new ArrayDeque<>();
    private final Map<String, String> stuck = new LinkedHashMap<>();
    private int inFlight;
    private final long startedAt;
    private long pace;
    private long lastCall = Long.MIN_VALUE / 2;
    private long throttledCalls;

    private Engine(CloudProvider cloud, Journal journal, String runId, Clock clock, EngineConfig cfg) {
        this.ctx = new Context(cloud, new Naming(runId, cloud.maxNameLength()), cfg, clock);
        this.journal = journal;
        this.runId = runId;
        this.forward = new ForwardSteps(ctx);
        this.back = new RollbackSteps(ctx);
        this.slots = new Slots(cfg.workers());
        this.startedAt = clock.now();
    }

    /** A new run: discovers the VMs, records them, and takes each as far as it goes. */
    public static RunReport run(CloudProvider cloud, JournalStore store, Clock clock, EngineConfig cfg, String runId) {
        return run(cloud, store, clock, cfg, runId, null);
    }

    /** A new run whose journal records its target, which {@link #target} reads back for resume and rollback to compare. */
    public static RunReport run(CloudProvider cloud, JournalStore store, Clock clock, EngineConfig cfg, String runId, String target) {
        List<VmRef> vms = discover(cloud, clock, cfg, runId);
        Journal j = Journal.create(store, runId, vms, target);
        Engine e = new Engine(cloud, j, runId, clock, cfg);
        for (VmRef vm : vms) {
            e.add(VmRecord.discovered(vm.uid(), vm.id(), vm.name()));
        }
        return e.drive();
    }

    /** Continues every unfinished VM of the journal's run from its recorded step (a rollback in progress included). */
    public static RunReport resume(CloudProvider cloud, JournalStore store, Clock clock, EngineConfig cfg) {
        Journal.Loaded l = Journal.open(store);
        Engine e = new Engine(cloud, l.journal(), l.runId(), clock, cfg);
        for (VmRef vm : l.vms()) {
            e.add(l.last().getOrDefault(vm.uid(), VmRecord.discovered(vm.uid(), vm.id(), vm.name())));
        }
        return e.drive();
    }

    /**
     * Puts VMs back on their originals, from whatever step they are in (failed, half-way, repaired). {@code only}
     * names the VMs by unique ID; empty means all of the run.
     */
    public static RunReport rollback(CloudProvider cloud, JournalStore store, Clock clock, EngineConfig cfg, Set<String> only) {
        Journal.Loaded l = Journal.open(store);
        Engine e = new Engine(cloud, l.journal(), l.runId(), clock, cfg);
        for (VmRef vm : l.vms()) {
            VmRecord r = l.last().getOrDefault(vm.uid(), VmRecord.discovered(vm.uid(), vm.id(), vm.name()));
            boolean chosen = only.isEmpty() || only.contains(vm.uid());
            if (chosen && (r.step() == Step.REPAIRED || !r.step().terminal()) && !r.step().rollbackChain()) {
                VmRecord next = r.failing("rolled back on request" + (r.reason() != null ? " (was: " + r.reason() + ")" : "")).to(Step.RB_RELEASING);
                e.journal.record(next, clock.now());
                e.add(next);
            } else {
                e.add(r);
            }
        }
        return e.drive();
    }

    /** One VM of a plan: what a run would do with it, and why. */
    public record PlanLine(VmRef vm, boolean wouldRepair, String why) {
    }

    /**
     * What {@code run} would do, changing nothing: discovery, then each VM's checks and scan (reads only). A VM the
     * checks pass would be stopped, copied and fixed; it is swapped only if the fix changes its copy.
     */
    public static List<PlanLine> plan(CloudProvider cloud, Clock clock, EngineConfig cfg, String runId) {
        Naming naming = new Naming(runId, cloud.maxNameLength());
        List<PlanLine> out = new ArrayList<>();
        for (VmRef vm : discover(cloud, clock, cfg, runId)) {
            io.bootmedic.cloud.provider.Model.VmInfo info = withRetries(() -> cloud.describeVm(vm.id()), clock, cfg, runId);
            String no = Checks.refusal(info, naming, vm.uid(), cfg.workers());
            if (no == null) {
                no = Checks.scanRefusal(withRetries(() -> cloud.scan(vm.id()), clock, cfg, runId));
            }
            out.add(no != null ? new PlanLine(vm, false, no)
                    : new PlanLine(vm, true, (info.power() == io.bootmedic.cloud.provider.Model.Power.RUNNING ? "stop, " : "")
                            + "snapshot, copy, fix the copy on a worker; swap it in only if the fix changed it"));
        }
        return out;
    }

    private static <T> T withRetries(java.util.function.Supplier<T> call, Clock clock, EngineConfig cfg, String runId) {
        for (int tries = 1;; tries++) {
            try {
                return call.get();
            } catch (CloudException e) {
                if (!e.retryable() || tries > cfg.retryBudget()) {
                    throw e;
                }
                clock.sleepUntil(clock.now() + Backoff.delay(cfg.backoffBaseMillis(), cfg.backoffCapMillis(), runId, "plan", tries));
            }
        }
    }

    /** The target the journal's run was made against (null for a run that recorded none). */
    public static String target(JournalStore store) {
        return Journal.open(store).target();
    }

    /** The journal's view, changing nothing. */
    public static RunReport status(JournalStore store) {
        Journal.Loaded l = Journal.open(store);
        List<VmRecord> out = new ArrayList<>();
        for (VmRef vm : l.vms()) {
            out.add(l.last().getOrDefault(vm.uid(), VmRecord.discovered(vm.uid(), vm.id(), vm.name())));
        }
        return new RunReport(l.runId(), out, Map.of(), 0, 0);
    }

    private static List<VmRef> discover(CloudProvider cloud, Clock clock, EngineConfig cfg, String runId) {
        return withRetries(cloud::discover, clock, cfg, runId);
    }

    private void add(VmRecord r) {
        Task t = new Task(r, tasks.size());
        t.stepStart = ctx.now();
        t.wakeAt = ctx.now();
        tasks.put(r.uid(), t);
        if (r.step().terminal()) {
            return;
        }
        if (r.step().inFlight()) {
            inFlight++;
        }
        if (r.holdsSlot()) {
            slots.hold(r.worker(), r.device(), r.uid());
        }
        ready.add(t);
    }

    private RunReport drive() {
        java.util.concurrent.ExecutorService pool = ctx.cfg().lanes() > 1 ? java.util.concurrent.Executors.newFixedThreadPool(ctx.cfg().lanes(), r -> {
            Thread th = new Thread(r, "bootmedic-engine-call");
            th.setDaemon(true);
            return th;
        }) : null;
        try {
            if (pool == null) {
                driveInline();
            } else {
                driveConcurrently(pool);
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        // nothing left to run: whoever still waits for a slot or a permit waits on VMs whose rollback gave up (they hold them)
        waitingWorker.forEach(t -> stuck.put(t.rec.uid(), t.rec.step() + ": waited for a worker device that stuck VMs still hold"));
        waitingRegion.forEach(t -> stuck.put(t.rec.uid(), t.rec.step() + ": waited for a region permit that stuck VMs still hold"));
        List<VmRecord> out = new ArrayList<>();
        tasks.values().forEach(t -> out.add(t.rec));
        return new RunReport(runId, out, Map.copyOf(stuck), startedAt, ctx.now());
    }

    /** One call at a time, in time order: deterministic under a virtual clock (the simulations). */
    private void driveInline() {
        while (!ready.isEmpty()) {
            Task t = ready.poll();
            long at = Math.max(t.wakeAt, lastCall + pace);
            if (at > ctx.now()) {
                ctx.clock().sleepUntil(at);
            }
            lastCall = ctx.now();
            apply(t, compute(t));
        }
    }

    /**
     * Up to {@link EngineConfig#lanes} VMs' calls at once (a real cloud's calls take a fraction of a second each, and
     * a fleet needs many in flight to reach the API's rate limit), each VM at most one call at a time. Only the
     * calls run in the lanes: every journal write, slot and permit is taken here, on the one driving thread.
     */
    private void driveConcurrently(java.util.concurrent.ExecutorService pool) {
        java.util.concurrent.BlockingQueue<Object[]> done = new java.util.concurrent.LinkedBlockingQueue<>();
        int running = 0;
        while (!ready.isEmpty() || running > 0) {
            while (running < ctx.cfg().lanes() && !ready.isEmpty()) {
                Task t = ready.peek();
                long at = Math.max(t.wakeAt, lastCall + pace);
                if (at > ctx.now()) {
                    break;
                }
                ready.poll();
                lastCall = ctx.now();
                running++;
                pool.execute(() -> done.add(new Object[] {t, computeSafely(t)}));
            }
            Object[] finished;
            try {
                long wait = ready.isEmpty() || running >= ctx.cfg().lanes() ? 1_000
                        : Math.max(1, Math.max(ready.peek().wakeAt, lastCall + pace) - ctx.now());
                finished = done.poll(running == 0 ? wait : Math.min(wait, 1_000), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted: the journal holds every transition taken; run resume", e);
            }
            if (finished != null) {
                running--;
                apply((Task) finished[0], (Outcome) finished[1]);
            }
        }
    }

    /** What one handler call came to, and whether the API throttled it. */
    private record Outcome(Result result, boolean throttled, RuntimeException crash) {
    }

    private Outcome computeSafely(Task t) {
        try {
            return compute(t);
        } catch (RuntimeException e) {
            return new Outcome(null, false, e); // rethrown on the driving thread, as the inline path would
        }
    }

    private void apply(Task t, Outcome o) {
        if (o.crash() != null) {
            throw o.crash();
        }
        if (o.throttled()) {
            throttledCalls++;
        }
        // invariant 7, for the whole run: a throttled call slows every VM's calls (doubling the gap between two
        // handler calls, up to 5 s), and each call that goes through narrows it again, like the SDKs' adaptive retry mode
        if (o.throttled()) {
            pace = Math.min(5_000, Math.max(20, pace * 2));
        } else if (pace > 0) {
            pace -= Math.max(1, pace / 32);
        }
        Result r = o.result();
        if (r instanceof Result.Wait w) {
            t.wakeAt = ctx.now() + w.millis();
            ready.add(t);
        } else if (r instanceof Result.Next n) {
            take(t, n.record());
        } else if (r instanceof Result.Fail f) {
            if (t.rec.step().rollbackChain()) {
                // the rollback itself cannot go on now: the VM stays in its recorded step, and `rollback` continues it
                stuck.put(t.rec.uid(), t.rec.step() + ": " + f.reason());
                t.stuck = f.reason();
                leaveRegion(t);
            } else {
                take(t, t.rec.failing(t.rec.step() + ": " + f.reason()).to(Step.FAILED));
            }
        }
    }

    /** The VM's handler, once: reads and at most one write for the VM's current step. Touches only this task. */
    private Outcome compute(Task t) {
        boolean chain = t.rec.step().rollbackChain();
        long deadline = t.rec.step() == Step.FIXING ? ctx.cfg().fixDeadlineMillis() + ctx.cfg().releaseDeadlineMillis()
                : t.rec.step() == Step.RB_RELEASING ? ctx.cfg().releaseDeadlineMillis() : ctx.cfg().stepDeadlineMillis();
        if (ctx.now() - t.stepStart > deadline) {
            return new Outcome(new Result.Fail(t.rec.step() + " did not finish in " + deadline / 60000 + " min"), false, null);
        }
        try {
            Result r = chain ? back.handle(t) : forward.handle(t);
            t.errors = 0;
            t.throttles = 0;
            return new Outcome(r, false, null);
        } catch (CloudException e) {
            int budget = chain ? ctx.cfg().rollbackRetryBudget() : ctx.cfg().retryBudget();
            if (e.kind() == CloudException.Kind.THROTTLED) {
                // throttling is the API pacing us, not the step failing: back off (the step's deadline still bounds it)
                return new Outcome(new Result.Wait(Backoff.delay(ctx.cfg().backoffBaseMillis(), ctx.cfg().backoffCapMillis(), runId, t.rec.uid(),
                        ++t.throttles)), true, null);
            }
            if (e.retryable() && ++t.errors <= budget) {
                return new Outcome(new Result.Wait(Backoff.delay(ctx.cfg().backoffBaseMillis(), ctx.cfg().backoffCapMillis(), runId, t.rec.uid(), t.errors)),
                        false, null);
            }
            return new Outcome(new Result.Fail(e.kind() + " in " + t.rec.step() + ": " + e.getMessage()), false, null);
        }
    }

    /** Records the next step, then takes it: lends a region permit or a worker slot first, or waits for one. */
    private void take(Task t, VmRecord next) {
        VmRecord rec = next;
        boolean before = t.rec.step().inFlight();
        boolean after = rec.step().inFlight();
        if (!before && after) {
            if (rec.step() == Step.STOPPING && inFlight >= ctx.cfg().regionConcurrency()) {
                waitingRegion.add(t); // looked at again, checks and all, when a permit is free
                return;
            }
            inFlight++;
        }
        if (rec.step() == Step.ATTACHING && rec.worker() == null) {
            String[] slot = slots.take(rec.uid(), rec.zone());
            if (slot == null) {
                waitingWorker.add(t);
                return;
            }
            rec = rec.onWorker(slot[0], slot[1]);
        }
        journal.record(rec, ctx.now()); // durable before the step is taken
        boolean wasHolding = t.rec.holdsSlot();
        t.enter(rec, ctx.now());
        if (wasHolding && (!rec.holdsSlot() || rec.step().terminal())) {
            slots.give(rec.worker(), rec.device(), rec.uid());
            wake(waitingWorker);
        }
        if (before && !after) {
            inFlight--;
            wake(waitingRegion);
        }
        if (!rec.step().terminal()) {
            t.wakeAt = ctx.now();
            ready.add(t);
        }
    }

    private void leaveRegion(Task t) {
        if (t.rec.step().inFlight()) {
            inFlight--;
            wake(waitingRegion);
        }
    }

    private void wake(ArrayDeque<Task> queue) {
        Task w = queue.poll();
        if (w != null) {
            w.wakeAt = ctx.now();
            w.stepStart = ctx.now(); // waiting for a permit or a slot is not the step taking long
            ready.add(w);
        }
    }
}
