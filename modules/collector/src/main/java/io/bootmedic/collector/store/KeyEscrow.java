package io.bootmedic.collector.store;

import io.bootmedic.collector.MasterKey;
import io.bootmedic.keys.KeyId;
import io.bootmedic.keys.KeyRecord;

import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Escrowed recovery passwords: imported from the exports of docs/design.md §6, sealed with the master
 * key, released one at a time to agents, each release audited before the key leaves.
 */
public final class KeyEscrow {
    private final Database db;
    private final MasterKey masterKey;
    private final AuditLog audit;

    public KeyEscrow(Database db, MasterKey masterKey, AuditLog audit) {
        this.db = db;
        this.masterKey = masterKey;
        this.audit = audit;
    }

    public record ImportCounts(int imported, int updated, int unchanged) {
    }

    /** A released key and the machine it is escrowed for. */
    public record Released(String keyId, String password, String host) {
        @Override
        public String toString() {
            return "Released[" + keyId + " host=" + host + "]"; // never the password
        }
    }

    public ImportCounts importKeys(List<KeyRecord> records, String actor, String remote, String sourceName, long now)
            throws SQLException, AuditLog.AuditUnavailableException {
        int imported = 0;
        int updated = 0;
        int unchanged = 0;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement find = c.prepareStatement("SELECT sealed FROM recovery_keys WHERE key_id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO recovery_keys (key_id, host, source, sealed, imported_at) VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE recovery_keys SET host = COALESCE(?, host), source = ?, sealed = ?, imported_at = ? "
                         + "WHERE key_id = ?")) {
                for (KeyRecord r : records) {
                    String id = r.id().guid();
                    String password = r.password().reveal();
                    find.setString(1, id);
                    String existing = null;
                    try (ResultSet rs = find.executeQuery()) {
                        if (rs.next()) {
                            existing = rs.getString(1);
                        }
                    }
                    if (existing == null) {
                        insert.setString(1, id);
                        insert.setString(2, r.host());
                        insert.setString(3, r.source());
                        insert.setString(4, masterKey.seal(id, password));
                        insert.setLong(5, now);
                        insert.executeUpdate();
                        imported++;
                    } else if (sameSecret(id, existing, password)) {
                        unchanged++;
                    } else {
                        update.setString(1, r.host());
                        update.setString(2, r.source());
                        update.setString(3, masterKey.seal(id, password));
                        update.setLong(4, now);
                        update.setString(5, id);
                        update.executeUpdate();
                        updated++;
                    }
                }
                // the import is audited in the same transaction: no audit row, no import
                try {
                    AuditLog.insert(c, now, actor, "key-import", null, remote,
                            sourceName + ": " + imported + " new, " + updated + " changed, " + unchanged + " unchanged");
                } catch (SQLException e) {
                    throw new AuditLog.AuditUnavailableException(e);
                }
                c.commit();
            } catch (SQLException | RuntimeException | AuditLog.AuditUnavailableException e) {
                c.rollback();
                throw e;
            }
        }
        return new ImportCounts(imported, updated, unchanged);
    }

    private boolean sameSecret(String id, String sealed, String password) {
        try {
            return masterKey.open(id, sealed).equals(password);
        } catch (GeneralSecurityException e) {
            return false; // unreadable old row: replace it
        }
    }

    /**
     * Releases the recovery password for a key ID. The audit row is committed first; if it cannot
     * be written, nothing is released.
     */
    public Optional<Released> release(String keyIdText, String actor, String remote, long now)
            throws SQLException, AuditLog.AuditUnavailableException, GeneralSecurityException {
        return release(keyIdText, actor, remote, now, null);
    }

    /** As {@link #release(String, String, String, long)}; {@code reason} (may be null) goes into the audit row: why this caller may have it now. */
    public Optional<Released> release(String keyIdText, String actor, String remote, long now, String reason)
            throws SQLException, AuditLog.AuditUnavailableException, GeneralSecurityException {
        String id = KeyId.normalize(keyIdText);
        String sealed = null;
        String host = null;
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT sealed, host FROM recovery_keys WHERE key_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    sealed = rs.getString(1);
                    host = rs.getString(2);
                }
            }
        }
        if (sealed == null) {
            audit.record(now, actor, "key-not-found", id, remote, null);
            return Optional.empty();
        }
        String detail = host == null ? reason : reason == null ? "host " + host : "host " + host + "; " + reason;
        audit.record(now, actor, "key-release", id, remote, detail);
        return Optional.of(new Released(id, masterKey.open(id, sealed), host));
    }
}
