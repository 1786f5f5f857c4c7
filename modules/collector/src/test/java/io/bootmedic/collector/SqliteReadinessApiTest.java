package io.bootmedic.collector;

/** Readiness on the default database: SQLite in the collector's folder. */
class SqliteReadinessApiTest extends ReadinessApiContract {
    @Override
    String jdbcUrl() {
        return null;
    }
}
