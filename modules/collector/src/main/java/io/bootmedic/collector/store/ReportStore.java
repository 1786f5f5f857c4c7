package io.bootmedic.collector.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Stores uploaded reports and keeps each machine's latest state, in one transaction per report. */
public final class ReportStore {
    private final Database db;

    public ReportStore(Database db) {
        this.db = db;
    }

    /** Whether the report was new or a re-send of a run already stored (agents retry; that is fine). */
    public enum Result { CREATED, DUPLICATE }

    public Result ingest(ReportSummary r, byte[] body, long receivedAt) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                Result result = ingest(c, r, body, receivedAt, db.isSqlite());
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * A report is not the only copy (it stays on the repaired volume), so on PostgreSQL its commit
     * need not wait for the WAL flush; PostgreSQL still
     * never corrupts or half-applies it. set_config(..., true) in the first statement says so for
     * this transaction only, without a round trip of its own. Key releases and audit rows keep the
     * default: they are on disk before the key leaves.
     */
    private static final String INSERT_REPORT_SQLITE = "INSERT INTO reports (run_id, machine_id, received_at, finished_at, outcome, mode, "
            + "agent_version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING";
    private static final String INSERT_REPORT_POSTGRES = "INSERT INTO reports (run_id, machine_id, received_at, finished_at, outcome, mode, "
            + "agent_version, body) SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit "
            + "ON CONFLICT (run_id) DO NOTHING";

    private static Result ingest(Connection c, ReportSummary r, byte[] body, long receivedAt, boolean sqlite) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sqlite ? INSERT_REPORT_SQLITE : INSERT_REPORT_POSTGRES)) {
            ps.setString(1, r.runId());
            ps.setString(2, r.machineId());
            ps.setLong(3, receivedAt);
            ps.setLong(4, r.finishedAt());
            ps.setString(5, r.outcome());
            ps.setString(6, r.mode());
            ps.setString(7, r.agentVersion());
            ps.setString(8, new String(body, StandardCharsets.UTF_8));
            if (ps.executeUpdate() == 0) {
                return Result.DUPLICATE;
            }
        }
        // the latest state is the report the collector received last: the agent's clock (finishedAt, kept in
        // latest_at as information) may run a day fast or be unset, and must not pin a machine's outcome
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO machines (id, identity, computer_name, bios_serial, vm_id, volume_ids, "
                + "latest_outcome, latest_run_id, latest_at, first_seen, last_seen, report_count, needed_key_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
                + "ON CONFLICT (id) DO UPDATE SET "
                + "latest_outcome = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.latest_outcome ELSE machines.latest_outcome END, "
                + "latest_run_id = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.latest_run_id ELSE machines.latest_run_id END, "
                + "needed_key_ids = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.needed_key_ids ELSE machines.needed_key_ids END, "
                + "latest_at = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.latest_at ELSE machines.latest_at END, "
                + "computer_name = COALESCE(excluded.computer_name, machines.computer_name), "
                + "bios_serial = COALESCE(excluded.bios_serial, machines.bios_serial), "
                + "vm_id = COALESCE(excluded.vm_id, machines.vm_id), "
                + "volume_ids = COALESCE(excluded.volume_ids, machines.volume_ids), "
                + "last_seen = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.last_seen ELSE machines.last_seen END, report_count = machines.report_count + 1")) {
            ps.setString(1, r.machineId());
            ps.setString(2, r.identity());
            ps.setString(3, r.computerName());
            ps.setString(4, r.biosSerial());
            ps.setString(5, r.vmId());
            ps.setString(6, r.volumeIds().isEmpty() ? null : String.join(",", r.volumeIds()));
            ps.setString(7, r.outcome());
            ps.setString(8, r.runId());
            ps.setLong(9, r.finishedAt());
            ps.setLong(10, receivedAt);
            ps.setLong(11, receivedAt);
            ps.setString(12, r.neededKeyIds().isEmpty() ? null : String.join(",", r.neededKeyIds()));
            ps.executeUpdate();
        }
        for (ReportSummary.UsedKey key : r.usedKeys()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO key_rotations (key_id, machine_id, computer_name, key_source, run_id, reported_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET run_id = excluded.run_id, reported_at = excluded.reported_at, "
                    + "key_source = excluded.key_source")) {
                ps.setString(1, key.keyId());
                ps.setString(2, r.machineId());
                ps.setString(3, r.computerName());
                ps.setString(4, key.source());
                ps.setString(5, r.runId());
                ps.setLong(6, receivedAt);
                ps.executeUpdate();
            }
        }
        PlaybookStore.recordApplied(c, r.runId(), body);
        return Result.CREATED;
    }
}
