package io.bootmedic.collector;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;

/** The same readiness tests against a real PostgreSQL server on loopback. */
class PostgresReadinessApiTest extends ReadinessApiContract {
    @Override
    String jdbcUrl() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return PostgresServer.newDatabase();
    }
}
