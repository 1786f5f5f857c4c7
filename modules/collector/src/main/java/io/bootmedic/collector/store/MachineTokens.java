package io.bootmedic.collector.store;

import io.bootmedic.collector.Enrolment;
import io.bootmedic.collector.Tokens;
import io.bootmedic.util.Json;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-machine credentials (table machine_tokens, V8): issued when a machine is armed, bound to its
 * identity, tags and BitLocker key IDs, revoked from the dashboard. Every collector on the database
 * sees a revocation within {@link #RECHECK_MILLIS}: a token it knows is looked up again after that.
 */
public final class MachineTokens {
    /** Machine tokens start so; the router asks the database only for tokens that look like one. */
    public static final String PREFIX = "bmmch_";
    static final long RECHECK_MILLIS = 2000;
    private static final int MAX_CACHED = 200_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Database db;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public MachineTokens(Database db) {
        this.db = db;
    }

    /** One stored token, as the dashboard lists it (never the token itself). */
    public record Row(String tokenId, Tokens.Machine machine, long enrolledAt, String enrolledBy, Long revokedAt, String revokedBy) {
    }

    /** The outcome of an enrolment: a new token (shown once), or why none was issued. */
    public sealed interface Result permits Enrolled, Refused {
    }

    /** {@code replaced}: the ids of this machine's earlier tokens, revoked by this enrolment. */
    public record Enrolled(String token, String tokenId, String machineId, List<String> replaced) implements Result {
        @Override
        public String toString() {
            return "Enrolled[" + tokenId + " machine=" + machineId + "]"; // never the token
        }
    }

    public record Refused(String message) implements Result {
    }

    private record Cached(Tokens.Principal principal, long checkedAt) {
    }

    /** The machine id of an identity: derived exactly as for reports and readiness, so all three meet. */
    public static String machineId(String computerName, String biosSerial, String vmId) {
        String identity = ReportSummary.identity("enrol", computerName, ReportSummary.realSerial(biosSerial), vmId, List.of());
        return Sha256.of(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    /**
     * Issues a token bound to {@code e}, revoking this machine's earlier ones (arming again replaces
     * the token), audited in the same transaction. Refused when a key ID is bound to another
     * machine's live token, or escrowed for another host: one key opens one machine's disk.
     */
    public Result enrol(Enrolment e, String actor, String remote, long now) throws SQLException {
        String machineId = machineId(e.computerName(), e.biosSerial(), e.vmId());
        List<String> keyIds = e.keyIds().stream().map(k -> k.toUpperCase(Locale.ROOT)).distinct().sorted().toList();
        String token = newToken();
        String hash = Sha256.of(token.getBytes(StandardCharsets.UTF_8));
        String tokenId = hash.substring(0, 12);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                for (String keyId : keyIds) {
                    Optional<String> why = keyTaken(c, keyId, machineId, e.computerName());
                    if (why.isPresent()) {
                        c.rollback();
                        return new Refused(why.get());
                    }
                }
                List<String> replaced = revokeMachine(c, machineId, actor, now);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO machine_tokens (id, sha256, machine_id, computer_name, bios_serial, vm_id, "
                        + "tags, key_ids, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, tokenId);
                    ps.setString(2, hash);
                    ps.setString(3, machineId);
                    ps.setString(4, e.computerName());
                    ps.setString(5, e.biosSerial());
                    ps.setString(6, e.vmId());
                    ps.setString(7, Json.line(new TreeMap<String, Object>(e.tags())));
                    ps.setString(8, String.join(",", keyIds));
                    ps.setLong(9, now);
                    ps.setString(10, actor);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO machine_token_keys (key_id, token_id) VALUES (?, ?)")) {
                    for (String keyId : keyIds) {
                        ps.setString(1, keyId);
                        ps.setString(2, tokenId);
                        ps.executeUpdate();
                    }
                }
                AuditLog.insert(c, now, actor, "machine-enrol", null, remote, "machine " + e.computerName() + " (" + machineId + "), token " + tokenId
                        + ", " + keyIds.size() + " BitLocker key ID(s) " + keyIds + ", tags " + Json.line(new TreeMap<String, Object>(e.tags()))
                        + (replaced.isEmpty() ? "" : ", replaces token(s) " + replaced));
                c.commit();
                cache.values().removeIf(v -> replaced.contains(v.principal().tokenId()));
                return new Enrolled(token, tokenId, machineId, replaced);
            } catch (SQLException ex) {
                c.rollback();
                if (uniqueViolation(ex)) { // another enrolment bound one of these key IDs at the same moment
                    return new Refused("another machine enrolled one of these BitLocker key IDs at the same moment; arm this machine again");
                }
                throw ex;
            } catch (RuntimeException ex) {
                c.rollback();
                throw ex;
            }
        }
    }

    private static Optional<String> keyTaken(Connection c, String keyId, String machineId, String computerName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT t.id, t.machine_id, t.computer_name FROM machine_token_keys k "
                + "JOIN machine_tokens t ON t.id = k.token_id WHERE k.key_id = ? AND t.revoked_at IS NULL")) {
            ps.setString(1, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !rs.getString(2).equals(machineId)) {
                    return Optional.of("BitLocker key ID {" + keyId + "} belongs to machine " + rs.getString(3) + " (token " + rs.getString(1)
                            + "); if this disk moved to " + computerName + ", revoke that token on the dashboard's Enrolled page and arm this machine again");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT host FROM recovery_keys WHERE key_id = ?")) {
            ps.setString(1, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                String host = rs.next() ? rs.getString(1) : null;
                if (host != null && !host.isBlank() && !shortName(host).equalsIgnoreCase(shortName(computerName))) {
                    return Optional.of("BitLocker key ID {" + keyId + "} is escrowed for host " + host + ", not " + computerName
                            + "; arm the machine under its own name, or import the escrow export that moved the key");
                }
            }
        }
        return Optional.empty();
    }

    /** A DNS name's first label: escrow exports name hosts as PC-1 or pc-1.corp.example. */
    private static String shortName(String host) {
        String h = host.strip();
        int dot = h.indexOf('.');
        return dot > 0 ? h.substring(0, dot) : h;
    }

    private static List<String> revokeMachine(Connection c, String machineId, String actor, long now) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM machine_tokens WHERE machine_id = ? AND revoked_at IS NULL")) {
            ps.setString(1, machineId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        for (String id : ids) {
            revokeRow(c, id, actor, now);
        }
        return ids;
    }

    private static boolean revokeRow(Connection c, String tokenId, String actor, long now) throws SQLException {
        int n;
        try (PreparedStatement ps = c.prepareStatement("UPDATE machine_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL")) {
            ps.setLong(1, now);
            ps.setString(2, actor);
            ps.setString(3, tokenId);
            n = ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM machine_token_keys WHERE token_id = ?")) {
            ps.setString(1, tokenId);
            ps.executeUpdate();
        }
        return n == 1;
    }

    /** Revokes one machine's token (audited with it); empty when there is no such token. Revoking twice keeps the first time. */
    public Optional<Row> revoke(String tokenId, String actor, String remote, long now) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                Optional<Row> row = find(c, tokenId);
                if (row.isPresent() && revokeRow(c, tokenId, actor, now)) {
                    AuditLog.insert(c, now, actor, "machine-revoke", null, remote, "machine " + row.get().machine().computerName() + " ("
                            + row.get().machine().machineId() + "), token " + tokenId);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        cache.values().removeIf(v -> v.principal().tokenId().equals(tokenId)); // this collector forgets at once; the others within RECHECK_MILLIS
        try (Connection c = db.connection()) {
            return find(c, tokenId);
        }
    }

    /** The live token behind {@code token}, if it is a machine token; looked up again every {@link #RECHECK_MILLIS}. */
    public Optional<Tokens.Principal> authenticate(String token, long now) throws SQLException {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 200) {
            return Optional.empty();
        }
        String hash = Sha256.of(token.getBytes(StandardCharsets.UTF_8));
        Cached hit = cache.get(hash);
        if (hit != null && now - hit.checkedAt() < RECHECK_MILLIS && now >= hit.checkedAt()) {
            return Optional.of(hit.principal());
        }
        Optional<Row> row;
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(SELECT + " WHERE sha256 = ? AND revoked_at IS NULL")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                row = rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
        if (row.isEmpty()) {
            cache.remove(hash); // unknown tokens are not remembered: a flood of made-up ones cannot fill memory
            return Optional.empty();
        }
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        Tokens.Principal p = new Tokens.Principal(Tokens.Role.AGENT, row.get().tokenId(), row.get().machine());
        cache.put(hash, new Cached(p, now));
        return Optional.of(p);
    }

    /** Tokens newest first, revoked ones too, {@code limit} from {@code offset}. */
    public List<Row> page(int offset, int limit) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY enrolled_at DESC, id LIMIT ? OFFSET ?")) {
            ps.setInt(1, limit);
            ps.setInt(2, offset);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
        }
        return rows;
    }

    /** How many tokens are live. */
    public long liveCount() throws SQLException {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM machine_tokens WHERE revoked_at IS NULL");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static final String SELECT = "SELECT id, machine_id, computer_name, bios_serial, vm_id, tags, key_ids, enrolled_at, enrolled_by, "
            + "revoked_at, revoked_by FROM machine_tokens";

    private static Optional<Row> find(Connection c, String tokenId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id = ?")) {
            ps.setString(1, tokenId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    private static Row row(ResultSet rs) throws SQLException {
        Set<String> keys = new LinkedHashSet<>();
        for (String k : rs.getString(7).split(",")) {
            if (!k.isEmpty()) {
                keys.add(k);
            }
        }
        long revoked = rs.getLong(10);
        Long revokedAt = rs.wasNull() ? null : revoked;
        Tokens.Machine m = new Tokens.Machine(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), tags(rs.getString(6)), keys);
        return new Row(rs.getString(1), m, rs.getLong(8), rs.getString(9), revokedAt, rs.getString(11));
    }

    /** Stored by the collector itself; damaged in the database, it reads as no tags (a tag scope then does not match). */
    private static Map<String, String> tags(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            Json.readObject(json.getBytes(StandardCharsets.UTF_8)).forEach((k, v) -> {
                if (v instanceof String s) {
                    out.put(k, s);
                }
            });
        } catch (IOException | RuntimeException e) {
            out.clear();
        }
        return out;
    }

    private static String newToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static boolean uniqueViolation(SQLException e) {
        String state = e.getSQLState();
        String msg = e.getMessage() == null ? "" : e.getMessage();
        return "23505".equals(state) || msg.contains("UNIQUE constraint failed") || msg.contains("SQLITE_CONSTRAINT");
    }
}
