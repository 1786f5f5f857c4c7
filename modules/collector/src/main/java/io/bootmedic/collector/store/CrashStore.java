package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the crash facts and pending updates of newly stored reports, inside the transaction that
 * stores them ({@link ReportStore}): a report and its crash rows commit together or not at all.
 * Rows go in key order, as the report writer's do, so two writers never deadlock.
 */
final class CrashStore {
    /** Rows per statement: 9 parameters a row stays far below SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
    private static final int ROWS_PER_STATEMENT = 500;

    private CrashStore() {
    }

    /** A report just stored, and when the collector received it. */
    record Received(ReportSummary summary, long receivedAt) {
    }

    /** Writes the crashes of {@code stored} (new reports, in arrival order) and each machine's latest pending-update state. */
    static void write(Connection c, List<Received> stored) throws SQLException {
        if (stored.isEmpty()) {
            return;
        }
        insertCrashes(c, stored);
        upsertUpdates(c, stored);
    }

    /**
     * When a crash counts: the dump's own time, unless it gave none or one after the collector received the
     * report (a machine's clock running ahead: the crash cannot be later than the report that tells of it).
     */
    static long crashAt(ReportDiagnosis.Crash crash, long receivedAt) {
        return crash.time() > 0 && crash.time() <= receivedAt ? crash.time() : receivedAt;
    }

    private record Row(String machineId, ReportDiagnosis.Crash crash, long crashAt, String runId) {
        String key() {
            return machineId + '\n' + crash.file() + '\n' + crash.time();
        }
    }

    private static void insertCrashes(Connection c, List<Received> stored) throws SQLException {
        // the first report of a dump wins (as when each report wrote alone): its time stands for a dump without one
        Map<String, Row> rows = new LinkedHashMap<>();
        for (Received r : stored) {
            for (ReportDiagnosis.Crash crash : r.summary().diagnosis().crashes()) {
                Row row = new Row(r.summary().machineId(), crash, crashAt(crash, r.receivedAt()), r.summary().runId());
                rows.putIfAbsent(row.key(), row);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparing(Row::machineId).thenComparing(r -> r.crash().file()).thenComparingLong(r -> r.crash().time()));
        for (int from = 0; from < sorted.size(); from += ROWS_PER_STATEMENT) {
            List<Row> chunk = sorted.subList(from, Math.min(sorted.size(), from + ROWS_PER_STATEMENT));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO crashes (machine_id, dump_file, dump_time, crash_at, bug_check, bug_check_name, "
                    + "faulting_module, dump_kind, run_id) VALUES " + ReportStore.values(9, chunk.size())
                    + " ON CONFLICT (machine_id, dump_file, dump_time) DO NOTHING")) {
                int i = 0;
                for (Row row : chunk) {
                    ps.setString(++i, row.machineId());
                    ps.setString(++i, row.crash().file());
                    ps.setLong(++i, row.crash().time());
                    ps.setLong(++i, row.crashAt());
                    ps.setString(++i, row.crash().bugCheck());
                    ps.setString(++i, row.crash().bugCheckName());
                    ps.setString(++i, row.crash().faultingModule());
                    ps.setString(++i, row.crash().kind());
                    ps.setString(++i, row.runId());
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * One row per machine: what its latest report (received last) says about pending updates. A report
     * that says nothing (an older agent) replaces it too, so a machine is listed only while its latest report says so.
     */
    private static void upsertUpdates(Connection c, List<Received> stored) throws SQLException {
        Map<String, Received> latest = new HashMap<>();
        for (Received r : stored) {
            // as one upsert per report would leave it: the report received last wins, and of two received at once the later one
            latest.merge(r.summary().machineId(), r, (had, now) -> now.receivedAt() >= had.receivedAt() ? now : had);
        }
        List<Received> sorted = new ArrayList<>(latest.values());
        sorted.sort(Comparator.comparing(r -> r.summary().machineId()));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO machine_updates (machine_id, run_id, received_at, pending, packages, evidence, "
                + "revert_command) VALUES " + ReportStore.values(7, sorted.size()) + " ON CONFLICT (machine_id) DO UPDATE SET run_id = excluded.run_id, "
                + "received_at = excluded.received_at, pending = excluded.pending, packages = excluded.packages, evidence = excluded.evidence, "
                + "revert_command = excluded.revert_command WHERE excluded.received_at >= machine_updates.received_at")) {
            int i = 0;
            for (Received r : sorted) {
                ReportDiagnosis d = r.summary().diagnosis();
                ps.setString(++i, r.summary().machineId());
                ps.setString(++i, r.summary().runId());
                ps.setLong(++i, r.receivedAt());
                if (d.pending() == null) {
                    ps.setNull(++i, Types.INTEGER);
                } else {
                    ps.setInt(++i, d.pending() ? 1 : 0);
                }
                ps.setString(++i, d.packages().isEmpty() ? null : String.join("\n", d.packages()));
                ps.setString(++i, d.evidence().isEmpty() ? null : String.join("\n", d.evidence()));
                ps.setString(++i, d.revertCommand());
            }
            ps.executeUpdate();
        }
    }
}
