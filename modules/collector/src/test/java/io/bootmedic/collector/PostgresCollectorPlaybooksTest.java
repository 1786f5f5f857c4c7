package io.bootmedic.collector;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;

/** The playbook tests against a real PostgreSQL server on loopback (publish, scope, counts, the tampered row). */
class PostgresCollectorPlaybooksTest extends CollectorPlaybooksTest {
    @Override
    String jdbcUrl() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return PostgresServer.newDatabase();
    }
}
