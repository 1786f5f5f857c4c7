package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same API tests against a real PostgreSQL server on loopback. */
class PostgresCollectorApiTest extends CollectorApiContract {
    @Override
    String jdbcUrl() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return PostgresServer.newDatabase();
    }

    /**
     * The durability policy, read from the server's own WAL statistics (issue 22): a report is
     * acknowledged only after its commit's WAL flush, so reports sent one after another cost a
     * flush each; reports that arrive together share one (group commit); every key release waits
     * for its audit row's WAL flush before the key leaves.
     */
    @Test
    void reportsAndKeyReleasesWaitForTheWalFlushAndConcurrentReportsShareIt() throws Exception {
        String export = "Hostname,KeyID,RecoveryKey\nPC-0042,{" + KEY_ID + "}," + PASSWORD + "\n";
        collector.adminClient().importKeys(export.getBytes(StandardCharsets.UTF_8), "keys.csv");
        CollectorClient agent = collector.agentClient();

        long before = walSyncs();
        int reports = 100;
        for (int i = 0; i < reports; i++) {
            assertEquals(CollectorClient.Delivery.CREATED,
                    agent.sendReport(io.bootmedic.util.Json.write(Reports.report("PC-" + i, "SN" + i, "fixed", "2024-07-19T06:00:00Z"))));
        }
        long oneByOne = walSyncs() - before;
        assertTrue(oneByOne >= reports, oneByOne + " WAL flushes for " + reports + " reports sent one after another: a report was acknowledged before its commit reached the disk");

        before = walSyncs();
        int threads = 16;
        int each = 25;
        java.util.List<Thread> senders = new java.util.ArrayList<>();
        java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int sender = t;
            Thread th = new Thread(() -> {
                try {
                    CollectorClient client = collector.agentClient();
                    for (int i = 0; i < each; i++) {
                        assertEquals(CollectorClient.Delivery.CREATED, client.sendReport(io.bootmedic.util.Json.write(
                                Reports.report("GROUP-" + sender + "-" + i, "SNG" + sender + "-" + i, "fixed", "2024-07-19T06:00:00Z"))));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            senders.add(th);
            th.start();
        }
        for (Thread th : senders) {
            th.join(120_000);
        }
        assertTrue(failures.isEmpty(), failures.toString());
        long together = walSyncs() - before;
        System.out.printf("PostgresCollectorApiTest: %d WAL flushes for %d reports one after another, %d for %d from %d agents at once%n",
                oneByOne, reports, together, threads * each, threads);
        assertTrue(together < threads * each * 3 / 4, together + " WAL flushes for " + threads * each + " reports sent by " + threads
                + " agents at once: their commits were not grouped");

        before = walSyncs();
        int releases = KEY_RATE;
        for (int i = 0; i < releases; i++) {
            assertTrue(agent.recoveryPassword(KEY_ID).isPresent());
        }
        long forReleases = walSyncs() - before;
        assertTrue(forReleases >= releases, forReleases + " WAL flushes for " + releases + " key releases: an audit row was not on disk before its key left");
    }

    /** The cluster's WAL flush count, once every backend has published its statistics (idle backends do within a second). */
    private long walSyncs() throws Exception {
        Thread.sleep(1500);
        try (Connection c = collector.db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT wal_sync FROM pg_stat_wal")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
