package io.bootmedic.collector.store;

import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Published playbooks: publish, list with per-playbook machine counts, retire, and what an agent gets. */
public final class PlaybookStore {
    /** Active publications at once: each agent run is sent every one that matches it, so keep the set small. */
    public static final int MAX_ACTIVE = 100;
    private final Database db;
    private final ActivePublications active;

    public PlaybookStore(Database db) {
        this.db = db;
        this.active = new ActivePublications(db, () -> select(" WHERE retired_at IS NULL ORDER BY published_at, publication"));
    }

    /** What the collector verified at publish time. */
    public record Publication(String publication, String playbookId, String version, String title, String signedBy, PlaybookScope scope,
                              byte[] body, byte[] signature, long publishedAt, Long retiredAt) {
    }

    /** Machines whose latest report applied a publication, by outcome. */
    public record Counts(long fixed, long failing, long waitingForKey) {
        public static final Counts NONE = new Counts(0, 0, 0);
    }

    /** A machine whose latest report applied a publication; {@code latestAt}: when the collector received that report. */
    public record MachineRow(String machineId, String computerName, String outcome, long latestAt) {
    }

    public enum PublishResult { CREATED, SCOPE_REPLACED, RETIRED_BEFORE, TOO_MANY_ACTIVE }

    /**
     * Publishes {@code p}; a new publication or a changed scope is audited in the same transaction
     * ({@code actor}, {@code remote}): what every armed machine will run is an admin act worth a record.
     */
    public PublishResult publish(Publication p, String actor, String remote) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                PublishResult r = publish(c, p);
                if (r == PublishResult.CREATED || r == PublishResult.SCOPE_REPLACED) {
                    ActivePublications.changed(c);
                    AuditLog.insert(c, p.publishedAt(), actor, r == PublishResult.CREATED ? "playbook-publish" : "playbook-scope", null, remote,
                            "publication " + p.publication() + ": " + p.playbookId() + " version " + p.version() + ", signed by " + p.signedBy()
                                    + ", scope " + Json.line(p.scope().toJson()));
                }
                c.commit();
                return r;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static PublishResult publish(Connection c, Publication p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT retired_at FROM playbook_publications WHERE publication = ?")) {
            ps.setString(1, p.publication());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    rs.getLong(1);
                    if (!rs.wasNull()) {
                        return PublishResult.RETIRED_BEFORE;
                    }
                    try (PreparedStatement up = c.prepareStatement("UPDATE playbook_publications SET scope = ? WHERE publication = ?")) {
                        up.setString(1, Json.line(p.scope().toJson()));
                        up.setString(2, p.publication());
                        up.executeUpdate();
                    }
                    return PublishResult.SCOPE_REPLACED;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM playbook_publications WHERE retired_at IS NULL");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next() && rs.getLong(1) >= MAX_ACTIVE) {
                return PublishResult.TOO_MANY_ACTIVE;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO playbook_publications (publication, playbook_id, version, title, signed_by, scope, "
                + "body, signature, published_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)")) {
            ps.setString(1, p.publication());
            ps.setString(2, p.playbookId());
            ps.setString(3, p.version());
            ps.setString(4, p.title());
            ps.setString(5, p.signedBy());
            ps.setString(6, Json.line(p.scope().toJson()));
            ps.setString(7, Base64.getEncoder().encodeToString(p.body()));
            ps.setString(8, Base64.getEncoder().encodeToString(p.signature()));
            ps.setLong(9, p.publishedAt());
            ps.executeUpdate();
        }
        return PublishResult.CREATED;
    }

    public Optional<Publication> get(String publication) throws SQLException {
        List<Publication> found = select(" WHERE publication = ?", publication);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Every publication, newest first (retired ones too). */
    public List<Publication> all() throws SQLException {
        return select(" ORDER BY published_at DESC, publication");
    }

    /** Where a page of {@link #page} starts: after the publication published at {@code publishedAt} with this id (the list is newest first). */
    public record Cursor(long publishedAt, String publication) {
    }

    /** At most {@code limit} publications, newest first, after {@code after} (null: from the newest); retired ones too. */
    public List<Publication> page(Cursor after, int limit) throws SQLException {
        List<Publication> out = new ArrayList<>();
        String where = after == null ? "" : " WHERE published_at < ? OR (published_at = ? AND publication > ?)";
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT publication, playbook_id, version, title, signed_by, "
                + "scope, body, signature, published_at, retired_at FROM playbook_publications" + where + " ORDER BY published_at DESC, publication LIMIT ?")) {
            int i = 1;
            if (after != null) {
                ps.setLong(i++, after.publishedAt());
                ps.setLong(i++, after.publishedAt());
                ps.setString(i++, after.publication());
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
        }
        return out;
    }

    /** What an agent is sent for one active publication: its id and the base64 of its bytes and signature, encoded once per change. */
    public record Served(String publication, String playbook, String signature) {
    }

    /** The active publications whose scope includes the asking machine, oldest first, at most {@code max}, as the agent is sent them. */
    public List<Served> servedTo(PlaybookScope.Asker who, int max) throws SQLException {
        return active.now().active().stream().filter(a -> a.scope().includes(who)).limit(max)
                .map(a -> new Served(a.publication().publication(), a.playbookBase64(), a.signatureBase64())).toList();
    }

    /** The active publications whose scope includes the asking machine, oldest first, at most {@code max}. */
    public List<Publication> activeFor(PlaybookScope.Asker who, int max) throws SQLException {
        return active.now().active().stream().filter(a -> a.scope().includes(who)).limit(max).map(ActivePublications.Active::publication).toList();
    }

    /**
     * The oldest active publication whose scope includes this machine, if any: whether an incident
     * covers it. Costs one small SELECT (the generation) and a few set lookups, so it may gate every
     * key release. Its body and signature arrays are the cache's own: read them, do not change them.
     */
    public Optional<Publication> firstMatching(PlaybookScope.Asker who) throws SQLException {
        return active.now().active().stream().filter(a -> a.scope().includes(who)).findFirst().map(ActivePublications.Active::publication);
    }

    /** Marks it retired (audited with it); empty when there is no such publication. A second retire keeps the first time. */
    public Optional<Publication> retire(String publication, long now, String actor, String remote) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE playbook_publications SET retired_at = ? WHERE publication = ? AND retired_at IS NULL")) {
                ps.setLong(1, now);
                ps.setString(2, publication);
                if (ps.executeUpdate() == 1) {
                    ActivePublications.changed(c);
                    AuditLog.insert(c, now, actor, "playbook-retire", null, remote, "publication " + publication);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return get(publication);
    }

    /** Per publication, machines whose latest report applied it: fixed (or clean), failed, needs-key. */
    public Map<String, Counts> counts() throws SQLException {
        Map<String, long[]> raw = new LinkedHashMap<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT rp.publication, m.latest_outcome, COUNT(*) "
                + "FROM report_playbooks rp JOIN machines m ON m.latest_run_id = rp.run_id GROUP BY rp.publication, m.latest_outcome");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long[] n = raw.computeIfAbsent(rs.getString(1), k -> new long[3]);
                int slot = slot(rs.getString(2));
                if (slot >= 0) {
                    n[slot] += rs.getLong(3);
                }
            }
        }
        Map<String, Counts> out = new LinkedHashMap<>();
        raw.forEach((k, n) -> out.put(k, new Counts(n[0], n[1], n[2])));
        return out;
    }

    /** The machines whose latest report applied {@code publication}, latest first, at most {@code max}. */
    public List<MachineRow> machines(String publication, int max) throws SQLException {
        List<MachineRow> rows = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT m.id, m.computer_name, m.latest_outcome, m.last_seen "
                + "FROM report_playbooks rp JOIN machines m ON m.latest_run_id = rp.run_id WHERE rp.publication = ? ORDER BY m.last_seen DESC, m.id LIMIT ?")) {
            ps.setString(1, publication);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new MachineRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                }
            }
        }
        return rows;
    }

    /** The dashboard's and the API's meaning of the outcomes: clean counts as fixed (nothing left to do), no-windows not at all. */
    private static int slot(String outcome) {
        if ("fixed".equals(outcome) || "clean".equals(outcome)) {
            return 0;
        }
        if ("failed".equals(outcome)) {
            return 1;
        }
        return "needs-key".equals(outcome) ? 2 : -1;
    }

    /** The collector publications a stored report says it applied (checked: at most 16 ids of 16 hex digits). */
    static List<String> appliedPublications(byte[] reportBody) {
        List<String> ids = new ArrayList<>();
        try {
            List<Object> list = Json.list(Json.readObject(reportBody), "playbooks");
            if (list == null) {
                return ids;
            }
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("publication") instanceof String s && PublishedPlaybook.isPublicationId(s) && !ids.contains(s)
                        && ids.size() < 16) {
                    ids.add(s);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the report was parsed already; a missing or odd list just means no collector playbook
        }
        return ids;
    }

    static void recordApplied(Connection c, String runId, byte[] reportBody) throws SQLException {
        for (String publication : appliedPublications(reportBody)) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO report_playbooks (run_id, publication) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, runId);
                ps.setString(2, publication);
                ps.executeUpdate();
            }
        }
    }

    private List<Publication> select(String where, String... args) throws SQLException {
        List<Publication> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT publication, playbook_id, version, title, signed_by, "
                + "scope, body, signature, published_at, retired_at FROM playbook_publications" + where)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
        }
        return out;
    }

    private static Publication row(ResultSet rs) throws SQLException {
        long retired = rs.getLong(10);
        Long retiredAt = rs.wasNull() ? null : retired;
        return new Publication(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                scope(rs.getString(6)), decode(rs.getString(7)), decode(rs.getString(8)), rs.getLong(9), retiredAt);
    }

    /** A stored value the collector wrote itself; damaged in the database, it reads as a scope that matches no machine. */
    private static PlaybookScope scope(String json) {
        try {
            return PlaybookScope.parse(Json.readObject(json.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            return new PlaybookScope(PlaybookScope.Kind.MACHINES, null, null, List.of());
        }
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return new byte[0]; // damaged in the database: the agent's signature check refuses it
        }
    }
}
