package io.bootmedic.collector;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;

/** Per-machine credentials against a real PostgreSQL server on loopback (enrolment, scope gate, conflicts, revocation). */
class PostgresMachineCredentialsTest extends MachineCredentialsTest {
    @Override
    String jdbcUrl() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return PostgresServer.newDatabase();
    }
}
