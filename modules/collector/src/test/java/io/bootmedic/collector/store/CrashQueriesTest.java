package io.bootmedic.collector.store;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash rows and pending updates as reports store them, and the counts of "what is crashing the
 * fleet", on SQLite and on a real PostgreSQL server: a dump reported again counts once, counts are
 * of distinct machines, hours follow the dump's time (else when it was received), and only a
 * machine's latest report decides whether it is listed with pending updates.
 */
class CrashQueriesTest {
    static final long NOW = at("2024-07-19T06:30:00Z");
    static final String A = "Windows/Minidump/071924-10234-01.dmp";

    @TempDir
    Path tmp;

    static long at(String t) {
        return Instant.parse(t).toEpochMilli();
    }

    /** A report to store: its body and when the collector received it. */
    record Sent(byte[] body, long receivedAt) {
    }

    static Sent sent(String computer, String received, Map<String, Object> diagnosis) {
        return new Sent(Diagnoses.bytes(Diagnoses.report(UUID.randomUUID().toString(), computer, "SN-" + computer, received, diagnosis)), at(received));
    }

    /** The incident: reports of six machines, in the order the collector received them (one is older than one received before it). */
    static List<Sent> incident() {
        List<Sent> s = new ArrayList<>();
        var a1 = Diagnoses.dump(A, "2024-07-19T04:09:12Z", "0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA", "csagent.sys");
        s.add(sent("PC-1", "2024-07-19T05:00:00Z", Diagnoses.diagnosis(List.of(a1), Diagnoses.pending("Package_for_RollupFix~1"))));
        // the next run of PC-1 reports the same dump again and a new one; updates are no longer pending
        var b1 = Diagnoses.dump("Windows/Minidump/071924-11000-01.dmp", "2024-07-19T05:40:00Z", "0x50", "PAGE_FAULT_IN_NONPAGED_AREA", "CSAgent.sys");
        s.add(sent("PC-1", "2024-07-19T06:00:00Z", Diagnoses.diagnosis(List.of(a1, b1), Diagnoses.noPending())));
        // another machine, a dump of the same name
        s.add(sent("PC-2", "2024-07-19T06:00:00Z", Diagnoses.diagnosis(List.of(
                Diagnoses.dump(A, "2024-07-19T04:30:00Z", "0x50", "PAGE_FAULT_IN_NONPAGED_AREA", "csagent.sys")), Diagnoses.pending("Package_for_KB5040442~2"))));
        // an older report of PC-2 received later: it does not replace the latest state
        s.add(sent("PC-2", "2024-07-19T05:00:00Z", Diagnoses.diagnosis(List.of(), Diagnoses.noPending())));
        // a dump without a time counts when it was first received, and stays there when sent again
        var c3 = Diagnoses.dump("Windows/MEMORY.DMP", null, "0x7E", "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED", "badflt.sys");
        s.add(sent("PC-3", "2024-07-19T06:10:00Z", Diagnoses.diagnosis(List.of(c3), Diagnoses.pending("Package_for_KB3~3"))));
        s.add(sent("PC-3", "2024-07-19T06:20:00Z", null)); // an older agent: says nothing about updates, so PC-3 is no longer listed
        // a dump from a clock running ahead counts when it was received
        s.add(sent("PC-4", "2024-07-19T06:15:00Z", Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/x.dmp", "2024-07-19T08:00:00Z", "0xEF", "CRITICAL_PROCESS_DIED", null)), null)));
        // a crash three days old is outside the window
        s.add(sent("PC-6", "2024-07-19T06:25:00Z", Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/old.dmp", "2024-07-16T06:00:00Z", "0x50", null, "old.sys")), null)));
        return s;
    }

    @Test
    void theIncidentCountsOnSqliteOneReportAtATimeAndInOneBatch() throws Exception {
        try (Database one = Database.sqliteIn(Files.createDirectories(tmp.resolve("one")));
             Database batch = Database.sqliteIn(Files.createDirectories(tmp.resolve("batch")))) {
            sameTables(one, batch);
        }
    }

    @Test
    void theIncidentCountsOnPostgresOneReportAtATimeAndInOneBatch() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        try (Database one = Database.open(PostgresServer.newDatabase(), null, null);
             Database batch = Database.open(PostgresServer.newDatabase(), null, null)) {
            sameTables(one, batch);
        }
    }

    /** The incident stored one report at a time and in one batch: the same counts, and the same rows in both tables. */
    static void sameTables(Database one, Database batch) throws Exception {
        List<Sent> incident = incident();
        incidentCounts(one, false, incident);
        incidentCounts(batch, true, incident);
        for (String query : List.of("SELECT machine_id, dump_file, dump_time, crash_at, bug_check, bug_check_name, faulting_module, dump_kind, run_id "
                + "FROM crashes ORDER BY machine_id, dump_file, dump_time",
                "SELECT machine_id, run_id, received_at, pending, packages, evidence, revert_command FROM machine_updates ORDER BY machine_id")) {
            List<String> a = rows(one, query);
            assertEquals(a, rows(batch, query), query);
            assertTrue(a.size() >= 5, a.toString());
        }
    }

    static List<String> rows(Database db, String query) throws Exception {
        List<String> rows = new ArrayList<>();
        try (java.sql.Connection c = db.connection(); java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.append(rs.getString(i)).append('|');
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    static void store(Database db, List<Sent> reports, boolean oneBatch) throws Exception {
        store(db, reports, oneBatch, ReportStore.Result.CREATED);
    }

    static void store(Database db, List<Sent> reports, boolean oneBatch, ReportStore.Result expected) throws Exception {
        if (oneBatch) {
            ReportStore store = new ReportStore(db, 0); // no writer threads: writeQueued writes everything in batches of up to 128
            List<java.util.concurrent.CompletableFuture<ReportStore.Result>> results = new ArrayList<>();
            for (Sent s : reports) {
                results.add(store.submit(ReportSummary.parse(s.body()), s.body(), s.receivedAt()));
            }
            store.writeQueued();
            for (var r : results) {
                assertEquals(expected, r.get());
            }
        } else {
            ReportStore store = new ReportStore(db);
            for (Sent s : reports) {
                assertEquals(expected, store.ingest(ReportSummary.parse(s.body()), s.body(), s.receivedAt()));
            }
        }
    }

    static void incidentCounts(Database db, boolean oneBatch, List<Sent> incident) throws Exception {
        store(db, incident, oneBatch);
        CrashQueries q = new CrashQueries(db);
        CrashQueries.Summary s = q.summary(NOW, 48, CrashQueries.Filter.ALL, 15, 500);
        String where = oneBatch ? "in one batch" : "one at a time";
        assertEquals(at("2024-07-17T07:00:00Z"), s.from(), where);
        assertEquals(at("2024-07-19T07:00:00Z"), s.to(), where);
        assertEquals(4, s.machines(), where + ": PC-1 to PC-4; PC-6's crash is older than 48 h");
        assertEquals(5, s.dumps(), where + ": PC-1's first dump, reported twice, counts once");
        assertEquals(List.of(
                new CrashQueries.Top("0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA", 2, 3, at("2024-07-19T04:09:12Z"), at("2024-07-19T05:40:00Z")),
                new CrashQueries.Top("0x0000007E", "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED", 1, 1, at("2024-07-19T06:10:00Z"), at("2024-07-19T06:10:00Z")),
                new CrashQueries.Top("0x000000EF", "CRITICAL_PROCESS_DIED", 1, 1, at("2024-07-19T06:15:00Z"), at("2024-07-19T06:15:00Z"))),
                s.bugChecks(), where);
        assertEquals(List.of(
                new CrashQueries.Top("csagent.sys", "0x00000050", 2, 3, at("2024-07-19T04:09:12Z"), at("2024-07-19T05:40:00Z")),
                new CrashQueries.Top("badflt.sys", "0x0000007E", 1, 1, at("2024-07-19T06:10:00Z"), at("2024-07-19T06:10:00Z"))),
                s.drivers(), where);
        assertEquals(48, s.perHour().size());
        assertEquals(new CrashQueries.Hour(at("2024-07-19T04:00:00Z"), 2, 2), s.perHour().get(45), where);
        assertEquals(new CrashQueries.Hour(at("2024-07-19T05:00:00Z"), 1, 1), s.perHour().get(46), where);
        assertEquals(new CrashQueries.Hour(at("2024-07-19T06:00:00Z"), 2, 2), s.perHour().get(47), where);
        assertEquals(5, s.perHour().stream().mapToLong(CrashQueries.Hour::dumps).sum());

        assertEquals(1, s.pendingTotal(), where + ": " + s.pending());
        CrashQueries.PendingMachine p = s.pending().get(0);
        assertEquals("PC-2", p.computerName(), where + ": the latest report received decides, not the one received last");
        assertEquals(at("2024-07-19T06:00:00Z"), p.reportedAt());
        assertEquals(List.of("Package_for_KB5040442~2"), p.packages());
        assertEquals(List.of("Windows/WinSxS/pending.xml"), p.evidence());
        assertEquals("DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions", p.revertCommand());

        CrashQueries.Summary code = q.summary(NOW, 48, new CrashQueries.Filter("0x00000050", null), 15, 500);
        assertEquals(2, code.machines());
        assertEquals(List.of("csagent.sys"), code.drivers().stream().map(CrashQueries.Top::key).toList());
        assertEquals(List.of(new CrashQueries.CrashedMachine(code.crashed().get(0).machineId(), "PC-1", 2, at("2024-07-19T05:40:00Z")),
                new CrashQueries.CrashedMachine(code.crashed().get(1).machineId(), "PC-2", 1, at("2024-07-19T04:30:00Z"))), code.crashed(),
                "the machines with the code, the one that crashed last first");
        assertEquals(List.of(), s.crashed(), "listed only when narrowed");
        CrashQueries.Summary driver = q.summary(NOW, 48, new CrashQueries.Filter(null, "badflt.sys"), 15, 500);
        assertEquals(1, driver.machines());
        assertEquals(List.of("0x0000007E"), driver.bugChecks().stream().map(CrashQueries.Top::key).toList());
        assertEquals(1, driver.perHour().get(47).machines());
        CrashQueries.Summary week = q.summary(NOW, 1000, CrashQueries.Filter.ALL, 15, 500);
        assertEquals(CrashQueries.MAX_HOURS, week.hours(), "the window is capped at a week");
        assertEquals(5, week.machines(), "PC-6's crash three days ago is in the week");

        // the same runs sent again (agents retry) change nothing
        List<Sent> later = incident.stream().map(r -> new Sent(r.body(), r.receivedAt() + 600_000)).toList();
        store(db, later, oneBatch, ReportStore.Result.DUPLICATE);
        assertEquals(s, q.summary(NOW, 48, CrashQueries.Filter.ALL, 15, 500));
    }

    @Test
    void theDashboardReusesAnAnswerForFifteenSecondsOnly() throws Exception {
        try (Database db = Database.sqliteIn(tmp)) {
            CrashQueries q = new CrashQueries(db);
            store(db, List.of(sent("PC-1", "2024-07-19T06:00:00Z", Diagnoses.diagnosis(List.of(
                    Diagnoses.dump(A, "2024-07-19T05:00:00Z", "0x50", null, "a.sys")), null))), false);
            CrashQueries.Summary first = q.cached(NOW, 48, CrashQueries.Filter.ALL, 15, 500);
            assertEquals(1, first.machines());
            assertEquals(NOW, first.computedAt());
            store(db, List.of(sent("PC-2", "2024-07-19T06:01:00Z", Diagnoses.diagnosis(List.of(
                    Diagnoses.dump(A, "2024-07-19T05:00:00Z", "0x50", null, "a.sys")), null))), false);
            assertEquals(first, q.cached(NOW + CrashQueries.CACHE_MILLIS - 1, 48, CrashQueries.Filter.ALL, 15, 500), "reused");
            assertEquals(2, q.cached(NOW, 24, CrashQueries.Filter.ALL, 15, 500).machines(), "another question is counted afresh");
            assertEquals(2, q.summary(NOW, 48, CrashQueries.Filter.ALL, 15, 500).machines(), "summary itself never caches");
            CrashQueries.Summary later = q.cached(NOW + CrashQueries.CACHE_MILLIS, 48, CrashQueries.Filter.ALL, 15, 500);
            assertEquals(2, later.machines(), "counted again once the answer is 15 s old");
            assertEquals(NOW + CrashQueries.CACHE_MILLIS, later.computedAt());
        }
    }

    @Test
    void aFleetOfCrashesIsStoredInChunksAndCountedQuicklyOnSqlite() throws Exception {
        Path dir = System.getProperty("bootmedic.test.keepDb") != null ? Files.createDirectories(Path.of(System.getProperty("bootmedic.test.keepDb"))) : tmp;
        try (Database db = Database.sqliteIn(dir)) {
            fleet(db, "SQLite");
        }
    }

    @Test
    void aFleetOfCrashesIsStoredInChunksAndCountedQuicklyOnPostgres() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        try (Database db = Database.open(PostgresServer.newDatabase(), null, null)) {
            fleet(db, "PostgreSQL");
        }
    }

    /**
     * 2,000 machines with 32 dumps each (the most one report keeps), stored 128 reports to a transaction
     * (4,096 crash rows, several statements), then each machine's next run reporting the same dumps:
     * 64,000 rows, each counted once.
     */
    static void fleet(Database db, String name) throws Exception {
        int machines = Integer.getInteger("bootmedic.test.crashMachines", 2000); // a larger fleet to measure (docs/fleet-crashes.md)
        for (int round = 0; round < 2; round++) {
            List<Sent> reports = new ArrayList<>();
            for (int m = 0; m < machines; m++) {
                List<Map<String, Object>> dumps = new ArrayList<>();
                for (int d = 0; d < ReportDiagnosis.MAX_CRASHES; d++) {
                    dumps.add(Diagnoses.dump(String.format("Windows/Minidump/0719-%05d-%02d.dmp", m, d),
                            Instant.ofEpochMilli(NOW - (m * 37L + d * 997L) % (47 * 3_600_000L)).toString(),
                            "0x" + Integer.toHexString(0x50 + m % 7), null, "drv" + m % 50 + ".sys"));
                }
                reports.add(sent("PC-" + m, Instant.ofEpochMilli(NOW - 60_000 + round).toString(), Diagnoses.diagnosis(dumps, null)));
            }
            long start = System.nanoTime();
            store(db, reports, true);
            System.out.printf("%s: stored %d reports with %d crash dumps each in %d ms%n", name, machines, ReportDiagnosis.MAX_CRASHES,
                    (System.nanoTime() - start) / 1_000_000);
        }
        CrashQueries q = new CrashQueries(db);
        long start = System.nanoTime();
        CrashQueries.Summary s = q.summary(NOW, 48, CrashQueries.Filter.ALL, 15, 500);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%s: the crash summary over %d rows took %d ms%n", name, s.dumps(), millis);
        assertEquals(machines, s.machines());
        assertEquals((long) machines * ReportDiagnosis.MAX_CRASHES, s.dumps(), "each dump once, though reported twice");
        assertEquals(7, s.bugChecks().size());
        assertEquals(15, s.drivers().size(), "the top list is cut at its limit");
        assertEquals(machines / 50, s.drivers().get(0).machines());
        assertTrue(millis < 5_000L * Math.max(1, machines / 2000), "the summary took " + millis + " ms");
    }
}
