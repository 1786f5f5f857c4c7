package io.bootmedic.collector;

import io.bootmedic.collector.http.CollectorServer;
import io.bootmedic.collector.store.Database;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22, "revocation reaches every collector": a collector folder records the database it
 * serves ({@code database.conf}, written by {@code init --db} and by {@code serve}), and
 * {@code token revoke} without {@code --db} writes the revocation there, says which database that
 * is, and refuses (exit 2, nothing revoked) when the folder does not know or {@code --db} names
 * another database. On PostgreSQL and on SQLite.
 */
class TokenRevokeDatabaseTest {
    @TempDir
    Path tmp;

    private static String postgres() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return PostgresServer.newDatabase();
    }

    @Test
    void aTokenRevokedThroughAFolderInitialisedWithPostgresIsRefusedByAnotherCollectorOnThatDatabase() throws Exception {
        String jdbc = postgres();
        CollectorDir a = new CollectorDir(tmp.resolve("a"));
        Cli init = Cli.run("collector", "init", "--dir", a.dir().toString(), "--url", "https://127.0.0.1:8443", "--db", jdbc);
        assertEquals(0, init.exit, init.toString());
        assertTrue(init.out.contains("database: PostgreSQL " + jdbc), init.out);

        // a second collector on the same database, from a copy of the folder (as docs/collector.md says to make one)
        CollectorDir b = new CollectorDir(tmp.resolve("b"));
        copy(a.dir(), b.dir());
        String site = Tokens.add(a.tokens(), Tokens.Role.AGENT, "site C");
        Files.copy(a.tokens(), b.tokens(), StandardCopyOption.REPLACE_EXISTING);
        String siteId = Tokens.entries(a.tokens()).stream().filter(e -> "site C".equals(e.label())).findFirst().orElseThrow().id();
        try (Database db = Database.open(jdbc, null, null); CollectorOn onB = new CollectorOn(b, db)) {
            byte[] report = Reports.bytes(Reports.report("SITE-C", "SNC", "fixed", "2024-07-19T06:00:00Z"));
            assertEquals(201, onB.collector.request("POST", "/api/v1/reports", site, report).status());

            Cli revoked = Cli.run("collector", "token", "revoke", siteId, "--dir", a.dir().toString()); // no --db
            assertEquals(0, revoked.exit, revoked.toString());
            assertTrue(revoked.out.contains("revoked in PostgreSQL " + jdbc) && revoked.out.contains("every collector on that database"), revoked.out);
            assertFalse(Files.exists(a.dir().resolve("collector.db")), "nothing written to a SQLite file nobody reads");
            assertEquals(1, revocations(jdbc, siteId));
            assertTrue(Tokens.entries(b.tokens()).stream().anyMatch(e -> e.id().equals(siteId)), "B's tokens.json still lists the token");
            assertEquals(401, CollectorApiContract.untilStatus(() -> onB.collector.request("POST", "/api/v1/reports", site, report).status(), 401),
                    "B refuses the token: the revocation reached its database");
        }
    }

    @Test
    void aFolderThatDoesNotKnowItsDatabaseRefusesAndServeRecordsItWithoutThePassword() throws Exception {
        String jdbc = postgres();
        CollectorDir d = new CollectorDir(tmp.resolve("c"));
        CollectorInit.run(d, URI.create("https://127.0.0.1:8443"), Set.of());
        String site = Tokens.add(d.tokens(), Tokens.Role.AGENT, "site D");
        String siteId = Tokens.entries(d.tokens()).stream().filter(e -> "site D".equals(e.label())).findFirst().orElseThrow().id();

        Cli unknown = Cli.run("collector", "token", "revoke", siteId, "--dir", d.dir().toString());
        assertEquals(2, unknown.exit, unknown.toString());
        assertTrue(unknown.err.contains("does not record which database it serves") && unknown.err.contains("nothing was revoked"), unknown.err);
        assertTrue(Tokens.entries(d.tokens()).stream().anyMatch(e -> e.id().equals(siteId)), "the token is still listed");
        assertFalse(Files.exists(d.dir().resolve("collector.db")));

        // serve records what it serves; a password in the URL stays out of the folder (the test server trusts loopback)
        int port = ServeProcess.freePort();
        Process serve = ServeProcess.start(d.dir(), port, tmp.resolve("serve.log"), "--db", jdbc + "&password=not-for-the-folder");
        try {
            assertTrue(Files.readString(tmp.resolve("serve.log")).contains("PostgreSQL " + jdbc), Files.readString(tmp.resolve("serve.log")));
        } finally {
            serve.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        String recorded = Files.readString(ServedDatabase.file(d));
        assertTrue(recorded.contains("database=" + jdbc + "\n"), recorded);
        assertFalse(recorded.contains("not-for-the-folder"), recorded);

        Cli revoked = Cli.run("collector", "token", "revoke", siteId, "--dir", d.dir().toString());
        assertEquals(0, revoked.exit, revoked.toString());
        assertTrue(revoked.out.contains("revoked in PostgreSQL " + jdbc), revoked.out);
        assertEquals(1, revocations(jdbc, siteId));
        assertFalse(Files.exists(d.dir().resolve("collector.db")));
        assertFalse(Tokens.entries(d.tokens()).stream().anyMatch(e -> e.id().equals(siteId)));
        assertTrue(site.startsWith("bmagt_"));
    }

    @Test
    void aFolderServingSqliteRevokesInItsSqliteAndRefusesAnotherDatabase() throws Exception {
        CollectorDir d = new CollectorDir(tmp.resolve("s"));
        CollectorInit.run(d, URI.create("https://127.0.0.1:8443"), Set.of());
        String siteId = idOf(d, Tokens.add(d.tokens(), Tokens.Role.AGENT, "site E"), "site E");
        int port = ServeProcess.freePort();
        Process serve = ServeProcess.start(d.dir(), port, tmp.resolve("serve.log")); // no --db: SQLite in the folder
        try {
            assertTrue(Files.readString(ServedDatabase.file(d)).contains("database=sqlite\n"));

            String other = "jdbc:postgresql://127.0.0.1:1/elsewhere";
            Cli elsewhere = Cli.run("collector", "token", "revoke", siteId, "--dir", d.dir().toString(), "--db", other);
            assertEquals(2, elsewhere.exit, elsewhere.toString());
            assertTrue(elsewhere.err.contains("serves SQLite " + d.dir().resolve("collector.db").toAbsolutePath().normalize())
                    && elsewhere.err.contains("not PostgreSQL " + other) && elsewhere.err.contains("nothing was revoked"), elsewhere.err);
            assertTrue(Tokens.entries(d.tokens()).stream().anyMatch(e -> e.id().equals(siteId)), "the token is still listed");

            Cli revoked = Cli.run("collector", "token", "revoke", siteId, "--dir", d.dir().toString());
            assertEquals(0, revoked.exit, revoked.toString());
            assertTrue(revoked.out.contains("revoked in SQLite " + d.dir().resolve("collector.db").toAbsolutePath().normalize()), revoked.out);
            assertEquals(1, revocations("jdbc:sqlite:" + d.dir().resolve("collector.db"), siteId));

            // the same database named explicitly is fine
            String second = idOf(d, Tokens.add(d.tokens(), Tokens.Role.AGENT, "site F"), "site F");
            Cli explicit = Cli.run("collector", "token", "revoke", second, "--dir", d.dir().toString(),
                    "--db", "jdbc:sqlite:" + d.dir().resolve("collector.db"));
            assertEquals(0, explicit.exit, explicit.toString());
            assertEquals(1, revocations("jdbc:sqlite:" + d.dir().resolve("collector.db"), second));
        } finally {
            serve.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDamagedRecordIsAUsageErrorNamingIt() throws Exception {
        CollectorDir d = new CollectorDir(tmp.resolve("x"));
        CollectorInit.run(d, URI.create("https://127.0.0.1:8443"), Set.of());
        String siteId = idOf(d, Tokens.add(d.tokens(), Tokens.Role.AGENT, "site G"), "site G");
        Files.writeString(ServedDatabase.file(d), "database=mysql://somewhere\n");
        Cli revoked = Cli.run("collector", "token", "revoke", siteId, "--dir", d.dir().toString());
        assertEquals(2, revoked.exit, revoked.toString());
        assertTrue(revoked.err.contains(ServedDatabase.file(d).toString()) && revoked.err.contains("unsupported database URL"), revoked.err);
        assertTrue(Tokens.entries(d.tokens()).stream().anyMatch(e -> e.id().equals(siteId)));
    }

    private static String idOf(CollectorDir d, String token, String label) throws Exception {
        assertTrue(token.startsWith("bmagt_"));
        return Tokens.entries(d.tokens()).stream().filter(e -> label.equals(e.label())).findFirst().orElseThrow().id();
    }

    private static int revocations(String jdbc, String tokenId) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc);
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM revoked_tokens WHERE token_id = ?")) {
            ps.setString(1, tokenId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /** A collector started in-process on an existing folder and database. */
    private static final class CollectorOn implements AutoCloseable {
        final TestCollector collector;

        CollectorOn(CollectorDir dir, Database db) throws Exception {
            char[] pass = dir.keystorePasswordChars();
            CollectorServer server = CollectorServer.start(new CollectorServer.Settings(new InetSocketAddress("127.0.0.1", 0), dir.loadKeystore(pass),
                    pass, Tokens.load(dir.tokens()), MasterKey.load(dir.masterKey()), dir.accessLog(), 5, 8), db);
            this.collector = TestCollector.wrap(dir, server, db);
        }

        @Override
        public void close() {
            collector.server.stop(0);
        }
    }
}
