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
     * The durability policy, read from the server's own WAL statistics: every key release waits for
     * its audit row's WAL flush before the key leaves; reports and rate-limit buckets do not (their
     * commits are asynchronous, so a burst of them costs a few background flushes, not one each).
     */
    @Test
    void keyReleasesWaitForTheWalFlushReportsDoNot() throws Exception {
        String export = "Hostname,KeyID,RecoveryKey\nPC-0042,{" + KEY_ID + "}," + PASSWORD + "\n";
        collector.adminClient().importKeys(export.getBytes(StandardCharsets.UTF_8), "keys.csv");
        CollectorClient agent = collector.agentClient();

        long before = walSyncs();
        int reports = 200;
        for (int i = 0; i < reports; i++) {
            assertEquals(CollectorClient.Delivery.CREATED,
                    agent.sendReport(io.bootmedic.util.Json.write(Reports.report("PC-" + i, "SN" + i, "fixed", "2024-07-19T06:00:00Z"))));
        }
        long forReports = walSyncs() - before;
        // the WAL writer flushes pending asynchronous commits at most every 200 ms: far fewer than one per report
        assertTrue(forReports < reports / 2, forReports + " WAL flushes for " + reports + " reports: report commits wait for the disk");

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
