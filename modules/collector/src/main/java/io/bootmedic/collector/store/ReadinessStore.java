package io.bootmedic.collector.store;

import io.bootmedic.collector.Readiness;
import io.bootmedic.util.Sha256;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The latest readiness report of each machine (table readiness, V5). */
public final class ReadinessStore {
    /** The dashboard and the API show at most this many machines; a fleet larger than that is summarised by the counts. */
    public static final int MAX_ROWS = 100_000;
    private final Database db;

    public ReadinessStore(Database db) {
        this.db = db;
    }

    /** A machine's latest readiness, under the same machine id its repair reports get. */
    public record Stored(String machineId, Readiness readiness, long receivedAt) {
    }

    /** The machine id: derived exactly as for reports, so readiness and repairs of one machine meet. */
    public static String machineId(Readiness r) {
        return Sha256.of(identity(r).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    private static String identity(Readiness r) {
        return ReportSummary.identity("readiness", r.computerName(), ReportSummary.realSerial(r.biosSerial()), r.vmId(), List.of());
    }

    /**
     * Stores {@code r} as the machine's readiness unless this collector (or another on the database,
     * whose clock may differ a little) already received a later one; returns the machine id. The
     * agent's reportedAt is kept as information only: a clock a day fast must not pin the Armed state.
     */
    public String record(Readiness r, long receivedAt) throws SQLException {
        String id = machineId(r);
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("INSERT INTO readiness (machine_id, identity, computer_name, "
                + "bios_serial, vm_id, agent_version, trusted_keys, winre_state, winre_staged, winre_free_bytes, winre_location, reported_at, received_at, "
                + "winre_refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (machine_id) DO UPDATE SET "
                + "computer_name = excluded.computer_name, bios_serial = excluded.bios_serial, vm_id = excluded.vm_id, "
                + "agent_version = excluded.agent_version, trusted_keys = excluded.trusted_keys, winre_state = excluded.winre_state, "
                + "winre_staged = excluded.winre_staged, winre_free_bytes = excluded.winre_free_bytes, winre_location = excluded.winre_location, "
                + "reported_at = excluded.reported_at, received_at = excluded.received_at, winre_refused = excluded.winre_refused "
                + "WHERE excluded.received_at >= readiness.received_at")) {
            ps.setString(1, id);
            ps.setString(2, identity(r));
            ps.setString(3, r.computerName());
            ps.setString(4, r.biosSerial());
            ps.setString(5, r.vmId());
            ps.setString(6, r.agentVersion());
            ps.setString(7, r.trustedKeys().isEmpty() ? null : String.join(",", r.trustedKeys()));
            ps.setString(8, r.state().wire());
            ps.setInt(9, r.staged() ? 1 : 0);
            ps.setLong(10, r.freeBytes());
            ps.setString(11, r.location());
            ps.setLong(12, r.reportedAt());
            ps.setLong(13, receivedAt);
            ps.setString(14, r.refusedNoRoom() ? Readiness.NO_ROOM : null);
            ps.executeUpdate();
        }
        return id;
    }

    /** Every machine's latest readiness, by computer name (bounded by {@link #MAX_ROWS}). */
    public List<Stored> all() throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT machine_id, computer_name, bios_serial, vm_id, "
                + "agent_version, trusted_keys, winre_state, winre_staged, winre_free_bytes, winre_location, reported_at, received_at, winre_refused FROM readiness "
                + "ORDER BY computer_name, machine_id LIMIT " + MAX_ROWS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String keys = rs.getString(6);
                Readiness r = new Readiness(rs.getString(5), rs.getString(2), rs.getString(3), rs.getString(4),
                        keys == null ? List.of() : Arrays.asList(keys.split(",")), Readiness.WinReState.fromWire(rs.getString(7)),
                        rs.getInt(8) == 1, rs.getLong(9), rs.getString(10), rs.getLong(11), Readiness.NO_ROOM.equals(rs.getString(13)));
                out.add(new Stored(rs.getString(1), r, rs.getLong(12)));
            }
        }
        return out;
    }
}
