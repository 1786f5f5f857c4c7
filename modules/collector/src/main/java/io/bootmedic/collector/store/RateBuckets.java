package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Token buckets in the database, so a limit holds across every collector behind a load
 * balancer: {@code perMinute} a minute on average, as many at once. One statement takes a
 * token atomically (an upsert that refills, decides and returns), so concurrent collectors
 * cannot both take the last one.
 */
public final class RateBuckets {
    private final Database db;

    public RateBuckets(Database db) {
        this.db = db;
    }

    /** Takes one request's worth from {@code bucket}; returns 0 when allowed, else the seconds to wait. */
    public long acquire(String bucket, int perMinute, long now) throws SQLException {
        double perMilli = perMinute / 60_000.0;
        double burst = Math.max(1, perMinute);
        // numbers we computed, not input: formatted into the statement so one expression serves both databases
        // collectors' clocks differ a little: time never runs backwards for a bucket
        String elapsed = String.format(Locale.ROOT, "(CASE WHEN %d > rate_buckets.at THEN %d - rate_buckets.at ELSE 0 END)", now, now);
        String refill = String.format(Locale.ROOT, "(CASE WHEN rate_buckets.tokens + %s * %.12f > %.1f THEN %.1f "
                + "ELSE rate_buckets.tokens + %s * %.12f END)", elapsed, perMilli, burst, burst, elapsed, perMilli);
        String burstLeft = String.format(Locale.ROOT, "%.1f", burst - 1);
        // One autocommitted statement, one round trip. On PostgreSQL set_config(..., true) makes this
        // statement's own commit asynchronous: a bucket lost in a crash only forgives a few requests,
        // and a release's audit row (written synchronously right after) is what must be on disk.
        String insert = db.isSqlite()
                ? "INSERT INTO rate_buckets (bucket, tokens, at, allowed) VALUES (?, " + burstLeft + ", " + now + ", 1)"
                : "INSERT INTO rate_buckets (bucket, tokens, at, allowed) SELECT ?, " + burstLeft + ", " + now + ", 1 "
                        + "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit";
        String sql = insert + " ON CONFLICT (bucket) DO UPDATE SET "
                + "tokens = CASE WHEN " + refill + " >= 1 THEN " + refill + " - 1 ELSE " + refill + " END, "
                + "at = CASE WHEN rate_buckets.at > " + now + " THEN rate_buckets.at ELSE " + now + " END, "
                + "allowed = CASE WHEN " + refill + " >= 1 THEN 1 ELSE 0 END "
                + "RETURNING allowed, tokens";
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, bucket);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1 ? 0 : Math.max(1, (long) Math.ceil((1 - rs.getDouble(2)) / perMilli / 1000));
            }
        }
    }
}
