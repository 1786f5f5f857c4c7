package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The questions IT asks of the fleet: how many are fixed, which failed, what happened to one machine. */
public final class FleetQueries {
    private static final String MACHINE_COLUMNS = "id, computer_name, bios_serial, vm_id, volume_ids, latest_outcome, latest_run_id, "
            + "latest_at, first_seen, last_seen, report_count, needed_key_ids";
    private final Database db;

    public FleetQueries(Database db) {
        this.db = db;
    }

    public record Machine(String id, String computerName, String biosSerial, String vmId, String volumeIds, String latestOutcome,
                          String latestRunId, long latestAt, long firstSeen, long lastSeen, int reportCount, List<String> neededKeyIds) {
    }

    /** A machine whose latest run stopped at BitLocker, the key IDs it needs, and which of them the escrow holds. */
    public record Waiting(Machine machine, Map<String, Boolean> keyEscrowed) {
    }

    public record StoredReport(String runId, long receivedAt, long finishedAt, String outcome, String mode, String agentVersion, String body) {
    }

    public record Page(List<Machine> machines, long total, int page, int pageSize) {
        public int pages() {
            return (int) Math.max(1, (total + pageSize - 1) / pageSize);
        }
    }

    public record HourCount(long hourStart, long count) {
    }

    public record Rotation(String keyId, String machineId, String computerName, String keySource, String runId, long reportedAt) {
    }

    /** Narrows the machine list; null or blank parts do not filter. */
    public record Filter(String outcome, String search) {
        public static final Filter ALL = new Filter(null, null);
    }

    /** Machines by latest outcome. */
    public Map<String, Long> countsByOutcome() throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String o : ReportSummary.OUTCOMES) {
            counts.put(o, 0L);
        }
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT latest_outcome, COUNT(*) FROM machines GROUP BY latest_outcome"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        return counts;
    }

    public Page machines(Filter filter, int page, int pageSize) throws SQLException {
        StringBuilder where = new StringBuilder(" WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (filter.outcome() != null && !filter.outcome().isBlank()) {
            where.append(" AND latest_outcome = ?");
            args.add(filter.outcome());
        }
        if (filter.search() != null && !filter.search().isBlank()) {
            String like = "%" + filter.search().trim().toLowerCase(java.util.Locale.ROOT)
                    .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            where.append(" AND (LOWER(computer_name) LIKE ? ESCAPE '\\' OR LOWER(bios_serial) LIKE ? ESCAPE '\\'"
                    + " OR LOWER(vm_id) LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')");
            args.add(like);
            args.add(like);
            args.add(like);
            args.add(like);
        }
        try (Connection c = db.connection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM machines" + where)) {
                QueryArgs.bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Machine> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + MACHINE_COLUMNS + " FROM machines" + where
                    + " ORDER BY last_seen DESC, id LIMIT ? OFFSET ?")) {
                List<Object> all = new ArrayList<>(args);
                all.add(pageSize);
                all.add((long) Math.max(0, page - 1) * pageSize);
                QueryArgs.bind(ps, all);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(machine(rs));
                    }
                }
            }
            return new Page(rows, total, page, pageSize);
        }
    }

    /** Every machine in list order, for the CSV export, without holding them all in memory. */
    public void eachMachine(Filter filter, MachineConsumer consumer) throws Exception {
        int page = 1;
        while (true) {
            Page p = machines(filter, page, 5000);
            for (Machine m : p.machines()) {
                consumer.accept(m);
            }
            if (p.machines().size() < 5000) {
                return;
            }
            page++;
        }
    }

    @FunctionalInterface
    public interface MachineConsumer {
        void accept(Machine m) throws Exception;
    }

    public Optional<Machine> machine(String id) throws SQLException {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT " + MACHINE_COLUMNS + " FROM machines WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(machine(rs)) : Optional.empty();
            }
        }
    }

    /** The most reports one history page holds: each may be up to the report size cap, so pages stay small. */
    public static final int MAX_HISTORY_PAGE = 20;

    /** One page of a machine's reports, the last received first ({@code limit} at most {@link #MAX_HISTORY_PAGE}). */
    public List<StoredReport> history(String machineId, int offset, int limit) throws SQLException {
        List<StoredReport> reports = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT run_id, received_at, finished_at, outcome, mode, "
                + "agent_version, body FROM reports WHERE machine_id = ? ORDER BY received_at DESC, finished_at DESC, run_id LIMIT ? OFFSET ?")) {
            ps.setString(1, machineId);
            ps.setInt(2, Math.max(1, Math.min(MAX_HISTORY_PAGE, limit)));
            ps.setInt(3, Math.max(0, offset));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reports.add(new StoredReport(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7)));
                }
            }
        }
        return reports;
    }

    /** Reports with outcome "fixed" per hour, for the last {@code hours} hours up to {@code now}. */
    public List<HourCount> fixesPerHour(long now, int hours) throws SQLException {
        long hour = 3_600_000L;
        long from = (now / hour - hours + 1) * hour;
        Map<Long, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < hours; i++) {
            counts.put(from + i * hour, 0L);
        }
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT received_at / 3600000, COUNT(*) FROM reports "
                + "WHERE received_at >= ? AND outcome = 'fixed' GROUP BY received_at / 3600000")) {
            ps.setLong(1, from);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long start = rs.getLong(1) * hour;
                    if (counts.containsKey(start)) {
                        counts.put(start, rs.getLong(2));
                    }
                }
            }
        }
        return counts.entrySet().stream().map(e -> new HourCount(e.getKey(), e.getValue())).toList();
    }

    /** Machines still locked out by BitLocker, newest first, with the escrow state of each key they need. */
    public List<Waiting> waitingForKeys(int limit) throws SQLException {
        List<Machine> machines = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT " + MACHINE_COLUMNS + " FROM machines "
                + "WHERE latest_outcome = 'needs-key' AND needed_key_ids IS NOT NULL ORDER BY last_seen DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    machines.add(machine(rs));
                }
            }
        }
        List<String> ids = machines.stream().flatMap(m -> m.neededKeyIds().stream()).distinct().toList();
        java.util.Set<String> escrowed = new java.util.HashSet<>();
        if (!ids.isEmpty()) {
            try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT key_id FROM recovery_keys WHERE key_id IN ("
                    + String.join(",", java.util.Collections.nCopies(ids.size(), "?")) + ")")) {
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(i + 1, ids.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        escrowed.add(rs.getString(1));
                    }
                }
            }
        }
        List<Waiting> waiting = new ArrayList<>();
        for (Machine m : machines) {
            Map<String, Boolean> keys = new LinkedHashMap<>();
            m.neededKeyIds().forEach(id -> keys.put(id, escrowed.contains(id)));
            waiting.add(new Waiting(m, keys));
        }
        return waiting;
    }

    /** Recovery passwords that were used (typed, released or read from a file) and should be rotated, newest first. */
    public List<Rotation> rotations(int limit) throws SQLException {
        List<Rotation> list = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT key_id, machine_id, computer_name, key_source, run_id, "
                + "reported_at FROM key_rotations ORDER BY reported_at DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.add(new Rotation(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6)));
                }
            }
        }
        return list;
    }

    private static Machine machine(ResultSet rs) throws SQLException {
        String needed = rs.getString(12);
        return new Machine(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getInt(11),
                needed == null || needed.isEmpty() ? List.of() : List.of(needed.split(",")));
    }
}
