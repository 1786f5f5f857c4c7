package io.bootmedic.collector.client;

import java.util.random.RandomGenerator;

/**
 * How long an agent waits before it tries the collector again: exponential with jitter, so a
 * fleet that booted at once does not come back at once, and never sooner than the collector's
 * {@code Retry-After} (429, 503) asked, plus a little jitter there too.
 */
public final class Backoff {
    private final long baseMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private int attempt;

    public Backoff(long baseMillis, long maxMillis, RandomGenerator random) {
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    /** The wait before the next try; {@code retryAfterMillis} is the collector's Retry-After, or -1. */
    public long next(long retryAfterMillis) {
        long ceiling = Math.min(maxMillis, baseMillis << Math.min(attempt, 20));
        attempt++;
        long jittered = ceiling / 2 + (long) (random.nextDouble() * (ceiling - ceiling / 2)); // "equal jitter": half fixed, half random
        if (retryAfterMillis < 0) {
            return jittered;
        }
        // asked to wait: wait that long, then spread the returns over another fifth of it
        return retryAfterMillis + (long) (random.nextDouble() * Math.max(250, retryAfterMillis / 5));
    }
}
