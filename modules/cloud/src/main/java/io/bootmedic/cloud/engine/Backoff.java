package io.bootmedic.cloud.engine;

import java.util.SplittableRandom;

/** Invariant 7: throttling and failed calls are answered with capped exponential backoff, with jitter that is deterministic per run, VM and try. */
final class Backoff {
    private Backoff() {
    }

    static long delay(long base, long cap, String runId, String uid, int tries) {
        long exp = base << Math.min(tries - 1, 20);
        long ceiling = Math.min(cap, exp);
        double jitter = new SplittableRandom(((long) runId.hashCode() << 32) ^ uid.hashCode() ^ ((long) tries * 0x9E3779B97F4A7C15L)).nextDouble();
        return Math.max(1, (long) (ceiling * (0.5 + 0.5 * jitter)));
    }
}
