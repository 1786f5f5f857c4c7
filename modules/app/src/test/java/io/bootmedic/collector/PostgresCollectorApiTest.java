package io.bootmedic.collector;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;

/** The same API tests against a real PostgreSQL server on loopback. */
class PostgresCollectorApiTest extends CollectorApiContract {
    @Override
    String jdbcUrl() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return PostgresServer.newDatabase();
    }
}
