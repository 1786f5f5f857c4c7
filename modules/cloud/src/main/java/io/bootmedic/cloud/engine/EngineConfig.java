package io.bootmedic.cloud.engine;

import java.util.List;

/**
 * The engine's limits and patience (invariant 7). Times in milliseconds.
 *
 * @param workers each worker VM and the device names it lends, one copy per device at a time
 * @param regionConcurrency VMs past their checks (stopped, or with a copy out) at once in the region
 * @param pollMillis between two reads of something that is changing
 * @param graceMillis how long a stale read (attached but still {@code available}, detached but still {@code in-use}) is tolerated
 * @param settleMillis a state an older read would also show (running, back on the original) counts only when read twice this far apart
 * @param stepDeadlineMillis a forward step that takes longer fails (and the VM is rolled back)
 * @param fixDeadlineMillis the fix command is cancelled after this
 * @param releaseDeadlineMillis how long the engine waits for a cancelled writer to let go of the device
 * @param retryBudget failed calls (5xx) in a row before a forward step fails; throttled calls only back off
 * @param rollbackRetryBudget the same for the rollback chain, after which the VM is left in its recorded step for a later rollback
 * @param snapshotAttempts snapshots in {@code error} before the VM fails
 * @param lanes cloud calls in flight at once, each for a different VM (1: one at a time, in time order, deterministic)
 */
public record EngineConfig(List<Worker> workers, int regionConcurrency, long pollMillis, long graceMillis, long settleMillis, long stepDeadlineMillis,
        long fixDeadlineMillis, long releaseDeadlineMillis, int retryBudget, int rollbackRetryBudget, int snapshotAttempts, long backoffBaseMillis,
        long backoffCapMillis, int lanes) {

    public EngineConfig(List<Worker> workers, int regionConcurrency, long pollMillis, long graceMillis, long settleMillis, long stepDeadlineMillis,
            long fixDeadlineMillis, long releaseDeadlineMillis, int retryBudget, int rollbackRetryBudget, int snapshotAttempts, long backoffBaseMillis,
            long backoffCapMillis) {
        this(workers, regionConcurrency, pollMillis, graceMillis, settleMillis, stepDeadlineMillis, fixDeadlineMillis, releaseDeadlineMillis, retryBudget,
                rollbackRetryBudget, snapshotAttempts, backoffBaseMillis, backoffCapMillis, 1);
    }

    /** The same, with {@code n} calls in flight at once. */
    public EngineConfig withLanes(int n) {
        return new EngineConfig(workers, regionConcurrency, pollMillis, graceMillis, settleMillis, stepDeadlineMillis, fixDeadlineMillis,
                releaseDeadlineMillis, retryBudget, rollbackRetryBudget, snapshotAttempts, backoffBaseMillis, backoffCapMillis, n);
    }

    /** A worker VM, the device names it lends, and its zone (null: reaches every VM's disks, as the simulated cloud's). */
    public record Worker(String id, List<String> devices, String zone) {
        public Worker(String id, List<String> devices) {
            this(id, devices, null);
        }

        public boolean serves(String vmZone) {
            return zone == null || vmZone == null || zone.equals(vmZone);
        }
    }

    public EngineConfig {
        if (workers.isEmpty() || workers.stream().anyMatch(w -> w.devices().isEmpty())) {
            throw new IllegalArgumentException("at least one worker, each with at least one device");
        }
        if (regionConcurrency < 1) {
            throw new IllegalArgumentException("region concurrency must be at least 1");
        }
        if (lanes < 1 || lanes > 256) {
            throw new IllegalArgumentException("calls in flight must be from 1 to 256");
        }
    }

    public static EngineConfig defaults(List<Worker> workers, int regionConcurrency) {
        return new EngineConfig(workers, regionConcurrency, 15_000, 300_000, 300_000, 3 * 3_600_000L, 3_600_000L, 4 * 3_600_000L, 12, 40, 3, 1_000,
                120_000);
    }

    public EngineConfig withPoll(long poll) {
        return new EngineConfig(workers, regionConcurrency, poll, graceMillis, settleMillis, stepDeadlineMillis, fixDeadlineMillis, releaseDeadlineMillis,
                retryBudget, rollbackRetryBudget, snapshotAttempts, backoffBaseMillis, backoffCapMillis, lanes);
    }
}
