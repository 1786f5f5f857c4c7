package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Who released or imported which key, when and from where. Rows are only ever added. */
public final class AuditLog {
    private final Database db;

    public AuditLog(Database db) {
        this.db = db;
    }

    /** One row; {@code count}: how many requests it stands for (1, except for the per-minute rows of {@link #countRefusal}). */
    public record Entry(String id, long at, String actor, String action, String keyId, String remote, String detail, int count) {
    }

    /** Thrown when the audit row could not be written; the caller must then not release anything. */
    public static final class AuditUnavailableException extends Exception {
        public AuditUnavailableException(Throwable cause) {
            super("the audit log could not be written", cause);
        }
    }

    /** Writes and commits one entry, on disk (fsync), before returning. */
    public void record(long at, String actor, String action, String keyId, String remote, String detail) throws AuditUnavailableException {
        try {
            db.durably(c -> {
                c.setAutoCommit(true);
                insert(c, at, actor, action, keyId, remote, detail);
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            throw new AuditUnavailableException(e);
        }
    }

    /**
     * Counts one refused request that released nothing in a single row per {@code actor},
     * {@code action} and minute: at, key ID and address are the first request's, {@code count}
     * grows. One statement (an upsert), committed without waiting for an fsync (no key left, so
     * nothing to prove later): a token hammering the collector costs one row a minute, not one
     * durable write per request.
     */
    public void countRefusal(long at, String actor, String action, String keyId, String remote, String detail) throws SQLException {
        long minute = Math.floorDiv(at, 60_000L) * 60_000L;
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("INSERT INTO audit (id, at, actor, action, key_id, remote, "
                + "detail, times) VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (id) DO UPDATE SET times = audit.times + 1")) {
            ps.setString(1, action + "/" + actor + "/" + minute);
            ps.setLong(2, at);
            ps.setString(3, actor);
            ps.setString(4, action);
            ps.setString(5, keyId);
            ps.setString(6, remote);
            ps.setString(7, detail);
            ps.executeUpdate();
        }
    }

    /** Adds an entry inside the caller's transaction (an import and its audit row commit together). */
    static void insert(Connection c, long at, String actor, String action, String keyId, String remote, String detail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit (id, at, actor, action, key_id, remote, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, UUID.randomUUID().toString());
            ps.setLong(2, at);
            ps.setString(3, actor);
            ps.setString(4, action);
            ps.setString(5, keyId);
            ps.setString(6, remote);
            ps.setString(7, detail);
            ps.executeUpdate();
        }
    }

    public List<Entry> recent(int offset, int limit) throws SQLException {
        List<Entry> list = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, at, actor, action, key_id, remote, detail, times FROM audit ORDER BY at DESC, id LIMIT ? OFFSET ?")) {
            ps.setInt(1, limit);
            ps.setInt(2, offset);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.add(new Entry(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getInt(8)));
                }
            }
        }
        return list;
    }
}
