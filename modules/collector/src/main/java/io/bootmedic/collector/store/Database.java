package io.bootmedic.collector.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bootmedic.collector.CollectorDir;
import org.flywaydb.core.Flyway;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The collector's database: embedded SQLite (one file, WAL) by default, PostgreSQL for large
 * fleets. One schema for both, migrated by Flyway from the jar on every start.
 */
public final class Database implements AutoCloseable {
    /** Held so the setting stays: Flyway's per-start INFO lines would bury the collector's own. */
    private static final java.util.logging.Logger FLYWAY_LOG = java.util.logging.Logger.getLogger("org.flywaydb");
    private static final java.util.logging.Logger HIKARI_LOG = java.util.logging.Logger.getLogger("com.zaxxer.hikari");

    static {
        FLYWAY_LOG.setLevel(java.util.logging.Level.WARNING);
        HIKARI_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final HikariDataSource pool;
    private final boolean sqlite;
    /** PostgreSQL only: the server (or database, or role) defaults to {@code synchronous_commit = off}; durable work then asks for {@code on}. */
    private final boolean asyncByDefault;
    /** Closed before the pool: what still writes through it (the report writers). */
    private final java.util.Deque<AutoCloseable> closeFirst = new java.util.concurrent.ConcurrentLinkedDeque<>();

    private Database(HikariDataSource pool, boolean sqlite, boolean asyncByDefault) {
        this.pool = pool;
        this.sqlite = sqlite;
        this.asyncByDefault = asyncByDefault;
    }

    /** SQLite in {@code dir/collector.db}. */
    public static Database sqliteIn(Path dir) throws SQLException {
        Path file = dir.resolve("collector.db");
        // the database holds sealed keys and every report: owner only. SQLite gives its WAL and
        // shared-memory files the database file's mode, so the file is made 0600 before it opens it.
        try {
            CollectorDir.ownerOnly(file, true);
            Database db = open("jdbc:sqlite:" + file.toAbsolutePath(), null, null);
            CollectorDir.ownerOnly(dir.resolve("collector.db-wal"), false);
            CollectorDir.ownerOnly(dir.resolve("collector.db-shm"), false);
            return db;
        } catch (java.io.IOException e) {
            throw new SQLException(e.getMessage(), e);
        }
    }

    /**
     * Opens (and migrates) the database at a JDBC URL. The password may come separately so it
     * stays off command lines.
     */
    public static Database open(String jdbcUrl, String user, String password) throws SQLException {
        boolean sqlite = jdbcUrl.startsWith("jdbc:sqlite:");
        if (!sqlite && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new SQLException("unsupported database URL (use jdbc:sqlite:FILE or jdbc:postgresql://host/db): "
                    + jdbcUrl.replaceAll("password=[^&]*", "password=…"));
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("collector-db");
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        if (sqlite) {
            // SQLite serializes writers; a small pool and a busy timeout keep them queued, not failing
            config.setMaximumPoolSize(4);
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("synchronous", "NORMAL");
            config.addDataSourceProperty("busy_timeout", "10000");
            config.addDataSourceProperty("foreign_keys", "true");
        } else {
            config.setMaximumPoolSize(12);
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
        }
        config.setInitializationFailTimeout(10_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new SQLException("cannot open the collector database: " + rootMessage(e), e);
        }
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new SQLException("cannot migrate the collector database schema: " + rootMessage(e), e);
        }
        boolean asyncByDefault = false;
        if (!sqlite) {
            try (Connection c = pool.getConnection(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT current_setting('synchronous_commit'), current_setting('fsync')")) {
                rs.next();
                asyncByDefault = rs.getString(1).equals("off");
                if (rs.getString(2).equals("off")) {
                    System.err.println("collector: warning: the PostgreSQL server runs with fsync = off; a crash of its machine can lose "
                            + "reports and audit rows the collector has acknowledged");
                }
            } catch (SQLException e) {
                pool.close();
                throw new SQLException("cannot read the collector database's settings: " + rootMessage(e), e);
            }
        }
        return new Database(pool, sqlite, asyncByDefault);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()).replaceAll("password=[^&\\s]*", "password=…");
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** Work on one connection. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} on a connection whose commits are on disk (fsync) before they return.
     * SQLite runs with synchronous=NORMAL, which in WAL mode may lose the last commits on power
     * loss (never on a crash of the process); an audit row or a report must not, so its connection
     * switches to FULL for this work only. PostgreSQL commits synchronously unless a transaction
     * says otherwise; where the server's default is {@code synchronous_commit = off}, the
     * connection asks for {@code on} for this work.
     */
    public <T> T durably(SqlWork<T> work) throws SQLException {
        try (Connection c = connection()) {
            if (!sqlite && !asyncByDefault) {
                return work.run(c);
            }
            try (var st = c.createStatement()) {
                st.execute(sqlite ? "PRAGMA synchronous = FULL" : "SET synchronous_commit TO on");
            }
            try {
                return work.run(c);
            } finally {
                try (var st = c.createStatement()) {
                    st.execute(sqlite ? "PRAGMA synchronous = NORMAL" : "RESET synchronous_commit");
                }
            }
        }
    }

    /** {@code resource} is closed when the database is, before its connections: it may still be writing. */
    void closeFirst(AutoCloseable resource) {
        closeFirst.push(resource);
    }

    public DataSource dataSource() {
        return pool;
    }

    public boolean isSqlite() {
        return sqlite;
    }

    public String describe() {
        return sqlite ? "SQLite" : "PostgreSQL";
    }

    @Override
    public void close() {
        for (AutoCloseable r; (r = closeFirst.poll()) != null; ) {
            try {
                r.close();
            } catch (Exception e) {
                System.err.println("collector: " + e.getMessage());
            }
        }
        pool.close();
    }
}
