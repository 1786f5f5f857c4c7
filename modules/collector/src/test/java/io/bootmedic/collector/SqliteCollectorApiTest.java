package io.bootmedic.collector;

/** The collector API on its default database: SQLite in the collector's folder. */
class SqliteCollectorApiTest extends CollectorApiContract {
    @Override
    String jdbcUrl() {
        return null;
    }
}
