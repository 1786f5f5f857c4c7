package io.bootmedic.collector.http;

import io.bootmedic.collector.store.RateBuckets;

import java.sql.SQLException;

/**
 * A token bucket per caller: {@code perMinute} requests a minute on average, up to the same
 * number at once. Used for key releases (per token), so a stolen agent token cannot drain the
 * escrow, and for logins (per address). The buckets live in the database: several collectors
 * behind a load balancer share one limit.
 */
final class RateLimiter {
    private final RateBuckets buckets;
    private final String kind;
    private final int perMinute;

    RateLimiter(RateBuckets buckets, String kind, int perMinute) {
        this.buckets = buckets;
        this.kind = kind;
        this.perMinute = perMinute;
    }

    /** Takes one request's worth; returns 0 when allowed, else the seconds to wait. */
    long acquire(String who, long nowMillis) throws SQLException {
        return buckets.acquire(kind + ":" + who, perMinute, nowMillis);
    }
}
