package io.bootmedic.collector.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per caller: {@code perMinute} requests a minute on average, up to the same
 * number at once. Used for key releases, so a stolen agent token cannot drain the escrow.
 */
final class RateLimiter {
    private final double perMilli;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    RateLimiter(int perMinute) {
        this.perMilli = perMinute / 60_000.0;
        this.burst = Math.max(1, perMinute);
    }

    /** Takes one request's worth; returns 0 when allowed, else the seconds to wait. */
    long acquire(String who, long nowMillis) {
        Bucket b = buckets.computeIfAbsent(who, k -> new Bucket(burst, nowMillis));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (nowMillis - b.at) * perMilli);
            b.at = nowMillis;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / perMilli / 1000));
        }
    }
}
