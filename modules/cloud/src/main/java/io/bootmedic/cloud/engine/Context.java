package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.CloudProvider;

/** What every step handler sees. */
record Context(CloudProvider cloud, Naming naming, EngineConfig cfg, Clock clock) {
    long now() {
        return clock.now();
    }

    Result.Wait poll() {
        return new Result.Wait(cfg.pollMillis());
    }

    /**
     * True once {@code holds} has been read true twice, {@link EngineConfig#settleMillis} apart: for a state that a
     * lagging read would also show (running before a stop took, the original as boot disk before a swap took).
     */
    boolean settled(Task t, boolean holds) {
        if (!holds) {
            t.settleSince = -1;
            return false;
        }
        if (t.settleSince < 0) {
            t.settleSince = now();
            return false;
        }
        return now() - t.settleSince >= cfg.settleMillis();
    }

    /**
     * Sends a write and counts it as sent when the cloud took it, or refused it for the state the resource is in
     * (CONFLICT: what it asks for is under way or done). A throttled or failed call is not counted, so it is sent again.
     */
    void issue(Task t, Runnable call) {
        try {
            call.run();
        } catch (io.bootmedic.cloud.provider.CloudException e) {
            if (e.kind() != io.bootmedic.cloud.provider.CloudException.Kind.CONFLICT) {
                throw e;
            }
        }
        t.actionAt = now();
        t.issues++;
    }

    /**
     * For a write whose effect a read just showed under way or half done (a swap's second half, a rollback's swap): sent
     * again after a few polls, not a whole grace period, and never on every poll (a second detach racing the first).
     */
    boolean mayReissue(Task t) {
        return t.actionAt == 0 || now() - t.actionAt > Math.min(cfg.graceMillis(), 4 * cfg.pollMillis());
    }

    /** Whether a write should be (re)issued: not yet in this step, or long enough ago that it was evidently lost. */
    boolean mayIssue(Task t) {
        return t.actionAt == 0 || now() - t.actionAt > cfg.graceMillis();
    }
}
