package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

/**
 * Revoked token ids, shared by every collector on the database: a token revoked through one
 * folder is refused by all within seconds. Read again every 2 s, like tokens.json.
 */
public final class Revocations {
    private static final long RECHECK_MILLIS = 2000;
    private final Database db;
    private volatile Set<String> revoked = Set.of();
    private volatile long checkedAt = Long.MIN_VALUE / 2;

    public Revocations(Database db) {
        this.db = db;
    }

    public static void revoke(Database db, String tokenId, long now) throws SQLException {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO revoked_tokens (token_id, revoked_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING")) {
            ps.setString(1, tokenId);
            ps.setLong(2, now);
            ps.executeUpdate();
        }
    }

    public boolean isRevoked(String tokenId) {
        long now = System.currentTimeMillis();
        if (now - checkedAt >= RECHECK_MILLIS) {
            synchronized (this) {
                if (now - checkedAt >= RECHECK_MILLIS) {
                    reload();
                    checkedAt = now;
                }
            }
        }
        return revoked.contains(tokenId);
    }

    private void reload() {
        Set<String> s = new HashSet<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT token_id FROM revoked_tokens");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                s.add(rs.getString(1));
            }
            revoked = Set.copyOf(s);
        } catch (SQLException e) {
            // keep the last list: a database hiccup must neither lock everyone out nor forget a revocation
            System.err.println("collector: cannot read revoked tokens (" + e.getMessage() + "); keeping the list read before");
        }
    }
}
