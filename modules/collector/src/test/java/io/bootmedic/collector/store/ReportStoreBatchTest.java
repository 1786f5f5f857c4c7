package io.bootmedic.collector.store;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group commit (issue 22): reports written many to a transaction leave the database exactly as
 * one transaction per report would, a report the database refuses fails alone, and on SQLite
 * every report is written with synchronous=FULL (the WAL synced at its commit: it survives a
 * power cut, not only a crash of the collector).
 */
class ReportStoreBatchTest {
    @TempDir
    Path tmp;

    @Test
    void batchesLeaveExactlyWhatOneReportAtATimeLeavesOnSqlite() throws Exception {
        try (Database one = Database.sqliteIn(Files.createDirectories(tmp.resolve("one")));
             Database many = Database.sqliteIn(Files.createDirectories(tmp.resolve("many")))) {
            sameAsOneAtATime(one, many);
        }
    }

    @Test
    void batchesLeaveExactlyWhatOneReportAtATimeLeavesOnPostgres() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        try (Database one = Database.open(PostgresServer.newDatabase(), null, null);
             Database many = Database.open(PostgresServer.newDatabase(), null, null)) {
            sameAsOneAtATime(one, many);
        }
    }

    @Test
    void aReportTheDatabaseRefusesFailsAloneOnSqlite() throws Exception {
        try (Database db = Database.sqliteIn(tmp)) {
            refusedAlone(db);
        }
    }

    @Test
    void aReportTheDatabaseRefusesFailsAloneOnPostgres() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        try (Database db = Database.open(PostgresServer.newDatabase(), null, null)) {
            refusedAlone(db);
        }
    }

    @Test
    void everyReportIsWrittenWithFullSynchronousCommitsOnSqlite() throws Exception {
        try (Database db = Database.sqliteIn(tmp)) {
            // a trigger records, for each report row, the synchronous level of the connection that wrote it
            try (Connection c = db.connection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE sync_seen (level INTEGER)");
                s.execute("CREATE TRIGGER sync_seen AFTER INSERT ON reports BEGIN INSERT INTO sync_seen SELECT synchronous FROM pragma_synchronous(); END");
            }
            ReportStore store = new ReportStore(db);
            List<CompletableFuture<ReportStore.Result>> all = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                byte[] body = body(UUID.randomUUID().toString(), "PC-" + i, "SN-" + i, null, "fixed", 1_721_368_800_000L, null, List.of());
                all.add(store.submit(ReportSummary.parse(body), body, 1_721_368_900_000L));
            }
            for (var f : all) {
                assertEquals(ReportStore.Result.CREATED, f.get());
            }
            assertTrue(store.commits() < 300, store.commits() + " commits for 300 reports submitted together: no group commit");
            try (Connection c = db.connection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT level, COUNT(*) FROM sync_seen GROUP BY level")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1), "FULL (2): the WAL is synced at each commit");
                assertEquals(300, rs.getInt(2));
                assertTrue(!rs.next(), "no report was written with another level");
                assertEquals(1, pragmaSynchronous(c), "the connection is back to NORMAL for other work");
            }
        }
    }

    /**
     * A PostgreSQL database (or server, or role) set to {@code synchronous_commit = off} would make
     * every commit asynchronous; reports and audit rows ask for {@code on} there, so each one sent
     * alone still waits for a WAL flush of its own (the server's WAL statistics count them).
     */
    @Test
    void aPostgresDatabaseDefaultingToAsynchronousCommitsStillFlushesEachReportAndAuditRow() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        String url = PostgresServer.newDatabase();
        String name = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " SET synchronous_commit = off");
        }
        try (Database db = Database.open(url, null, null)) {
            try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
                rs.next();
                assertEquals("off", rs.getString(1), "the database's default");
            }
            ReportStore store = new ReportStore(db, 1);
            AuditLog audit = new AuditLog(db);
            long before = walSyncs(db);
            for (int i = 0; i < 40; i++) {
                byte[] body = body(UUID.randomUUID().toString(), "PC-" + i, "SN-" + i, null, "fixed", 1_721_368_800_000L, null, List.of());
                assertEquals(ReportStore.Result.CREATED, store.ingest(ReportSummary.parse(body), body, 1_721_368_900_000L));
                audit.record(1_721_368_900_000L, "admin:test", "key-release", null, "127.0.0.1", "test " + i);
            }
            long flushes = walSyncs(db) - before;
            assertTrue(flushes >= 80, flushes + " WAL flushes for 40 reports and 40 audit rows, each alone: some commits were asynchronous");
            try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
                rs.next();
                assertEquals("off", rs.getString(1), "the pooled connections are back to the database's default for other work");
            }
        }
    }

    /** The cluster's WAL flush count, once every backend has published its statistics (idle backends do within a second). */
    private static long walSyncs(Database db) throws Exception {
        Thread.sleep(1500);
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT wal_sync FROM pg_stat_wal")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int pragmaSynchronous(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
            return rs.getInt(1);
        }
    }

    /**
     * The same 400 uploads (re-sends within and across batches, several reports per machine finished
     * out of order and at the same instant, BIOS serials and volumes that come and go, used and needed keys)
     * stored one per transaction in {@code one} and 128 per transaction in {@code many}.
     */
    private static void sameAsOneAtATime(Database one, Database many) throws Exception {
        Random random = new Random(22);
        record Upload(byte[] body, long receivedAt) {
        }
        List<Upload> uploads = new ArrayList<>();
        long base = 1_721_368_800_000L;
        for (int i = 0; i < 400; i++) {
            if (!uploads.isEmpty() && random.nextInt(8) == 0) {
                // an agent sending a report again
                uploads.add(new Upload(uploads.get(random.nextInt(uploads.size())).body, base + 3_600_000L + i));
                continue;
            }
            int machine = random.nextInt(12);
            // machines identified by VM id, so the serial may be missing from some of a machine's reports
            String serial = random.nextInt(3) == 0 ? null : "SN-" + machine + "-" + random.nextInt(2);
            String name = "PC-" + machine;
            String outcome = List.of("fixed", "clean", "failed", "needs-key").get(random.nextInt(4));
            long finished = base + random.nextInt(6) * 60_000L; // ties on purpose
            String usedKey = random.nextInt(5) == 0 ? String.format("%08X-0000-4000-8000-%012X", 0x20000000 + random.nextInt(4), 7) : null;
            List<String> needed = outcome.equals("needs-key") ? List.of(String.format("%08X-1111-4000-8000-000000000001", machine)) : List.of();
            uploads.add(new Upload(body(UUID.randomUUID().toString(), name, serial, "vm-" + machine, outcome, finished, usedKey, needed),
                    base + 3_600_000L + i));
        }

        ReportStore sequential = new ReportStore(one, 1);
        List<ReportStore.Result> expected = new ArrayList<>();
        for (Upload u : uploads) {
            expected.add(sequential.ingest(ReportSummary.parse(u.body), u.body, u.receivedAt));
        }
        assertEquals(expected.size(), sequential.commits(), "one transaction per report when each waits for its own");

        ReportStore batched = new ReportStore(many, 0);
        List<CompletableFuture<ReportStore.Result>> futures = new ArrayList<>();
        for (Upload u : uploads) {
            futures.add(batched.submit(ReportSummary.parse(u.body), u.body, u.receivedAt));
        }
        batched.writeQueued();
        assertEquals((uploads.size() + ReportStore.MAX_BATCH - 1) / ReportStore.MAX_BATCH, batched.commits());
        List<ReportStore.Result> got = new ArrayList<>();
        for (var f : futures) {
            got.add(f.get());
        }
        assertEquals(expected, got, "created and already-received answers");
        assertTrue(got.contains(ReportStore.Result.DUPLICATE) && got.contains(ReportStore.Result.CREATED));

        for (String query : List.of(
                "SELECT id, identity, computer_name, bios_serial, vm_id, volume_ids, latest_outcome, latest_run_id, latest_at, first_seen, "
                        + "last_seen, report_count, needed_key_ids FROM machines ORDER BY id",
                "SELECT run_id, machine_id, received_at, finished_at, outcome, mode, agent_version, body FROM reports ORDER BY run_id",
                "SELECT key_id, machine_id, computer_name, key_source, run_id, reported_at FROM key_rotations ORDER BY key_id")) {
            assertEquals(dump(one, query), dump(many, query), query);
        }
        assertTrue(dump(one, "SELECT key_id FROM key_rotations").size() > 1, "the uploads used recovery keys");
    }

    private static void refusedAlone(Database db) throws Exception {
        ReportStore store = new ReportStore(db, 0);
        List<CompletableFuture<ReportStore.Result>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] body = body(UUID.randomUUID().toString(), "PC-" + i, "SN-" + i, null, "fixed", 1_721_368_800_000L, null, List.of());
            ReportSummary r = ReportSummary.parse(body);
            if (i == 4) {
                // a row the database refuses (reports.outcome is NOT NULL)
                r = new ReportSummary(r.runId(), r.machineId(), r.identity(), r.computerName(), r.biosSerial(), r.vmId(), r.volumeIds(), null,
                        r.mode(), r.agentVersion(), r.finishedAt(), r.usedKeys(), r.neededKeyIds());
            }
            futures.add(store.submit(r, body, 1_721_368_900_000L));
        }
        store.writeQueued();
        for (int i = 0; i < futures.size(); i++) {
            if (i == 4) {
                int n = i;
                ExecutionException e = assertThrows(ExecutionException.class, () -> futures.get(n).get());
                assertInstanceOf(java.sql.SQLException.class, e.getCause());
            } else {
                assertEquals(ReportStore.Result.CREATED, futures.get(i).get());
            }
        }
        assertEquals(9, dump(db, "SELECT run_id FROM reports").size());
        assertEquals(9, dump(db, "SELECT id FROM machines").size());
    }

    private static List<List<Object>> dump(Database db, String query) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object o = rs.getObject(i);
                    row.add(o instanceof Number n ? (Object) n.longValue() : o);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    /** A report v1 body; {@code usedKey} a recovery password the run used, {@code needed} key IDs of locked volumes. */
    private static byte[] body(String runId, String computerName, String serial, String vmId, String outcome, long finishedAt, String usedKey,
                               List<String> needed) {
        String at = java.time.Instant.ofEpochMilli(finishedAt).toString();
        StringBuilder volumes = new StringBuilder();
        volumes.append("{\"volumeId\":\"vol-").append(computerName).append("\",\"windows\":{\"computerName\":\"").append(computerName)
                .append("\",\"productName\":\"Windows 11 Enterprise\",\"build\":\"22631\"},\"bitlocker\":");
        if (usedKey != null) {
            volumes.append("{\"state\":\"unlocked\",\"method\":\"XTS-AES-128\",\"recoveryKeyId\":\"{").append(usedKey)
                    .append("}\",\"keySource\":\"collector\",\"recoveryPasswordUsed\":true}");
        } else {
            volumes.append("{\"state\":\"none\"}");
        }
        volumes.append(",\"actions\":[],\"outcome\":\"").append(outcome.equals("fixed") ? "fixed" : "clean").append("\"}");
        for (String keyId : needed) {
            volumes.append(",{\"volumeId\":\"vol-locked-").append(keyId).append("\",\"bitlocker\":{\"state\":\"locked\",\"method\":\"XTS-AES-128\","
                    + "\"recoveryKeyId\":\"").append(keyId).append("\",\"keySource\":null,\"recoveryPasswordUsed\":false},\"actions\":[],\"outcome\":\"locked\"}");
        }
        String json = "{\"schema\":\"bootmedic.report/v1\",\"runId\":\"" + runId + "\",\"agentVersion\":\"0.1.0\",\"startedAt\":\"" + at
                + "\",\"finishedAt\":\"" + at + "\",\"mode\":\"winpe\",\"host\":{\"biosSerial\":" + quoted(serial) + ",\"hypervisorVmId\":" + quoted(vmId) + "},"
                + "\"outcome\":\"" + outcome + "\",\"volumes\":[" + volumes + "]}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
