package io.bootmedic.collector.store;

import io.bootmedic.collector.Tokens;
import io.bootmedic.util.Sha256;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;

/**
 * Dashboard sessions in the database, so every collector behind a load balancer knows them.
 * Only the SHA-256 of a session id is stored: the ids are 256 random bits, and a copy of the
 * table must not be a way in.
 */
public final class SessionStore {
    private final Database db;

    public SessionStore(Database db) {
        this.db = db;
    }

    private static String hash(String id) {
        return Sha256.of(id.getBytes(StandardCharsets.US_ASCII));
    }

    public void create(String id, Tokens.Principal who, long expires, long now) throws SQLException {
        try (Connection c = db.connection()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sessions (id_sha256, token_id, role, expires) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, hash(id));
                ps.setString(2, who.tokenId());
                ps.setString(3, who.role().name());
                ps.setLong(4, expires);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM sessions WHERE expires < ?")) {
                ps.setLong(1, now);
                ps.executeUpdate();
            }
        }
    }

    public Optional<Tokens.Principal> find(String id, long now) throws SQLException {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT token_id, role FROM sessions WHERE id_sha256 = ? AND expires >= ?")) {
            ps.setString(1, hash(id));
            ps.setLong(2, now);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Tokens.Principal(Tokens.Role.valueOf(rs.getString(2).toUpperCase(Locale.ROOT)), rs.getString(1)));
            }
        }
    }

    public void remove(String id) throws SQLException {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("DELETE FROM sessions WHERE id_sha256 = ?")) {
            ps.setString(1, hash(id));
            ps.executeUpdate();
        }
    }
}
