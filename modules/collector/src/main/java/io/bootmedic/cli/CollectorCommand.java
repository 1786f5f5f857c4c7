package io.bootmedic.cli;

import io.bootmedic.collector.CollectorDir;
import io.bootmedic.collector.CollectorInit;
import io.bootmedic.collector.FolderLock;
import io.bootmedic.collector.MasterKey;
import io.bootmedic.collector.ServedDatabase;
import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.http.CollectorServer;
import io.bootmedic.collector.store.Database;
import io.bootmedic.collector.store.ReportStore;
import io.bootmedic.collector.store.ReportSummary;
import io.bootmedic.collector.store.Revocations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "collector", description = "The central collector: fleet status, reports, audited key release (see docs/collector.md).",
        subcommands = {CollectorCommand.Init.class, CollectorCommand.Serve.class, CollectorCommand.Token.class, CollectorCommand.Seed.class,
                CollectorPlaybookCommand.class})
class CollectorCommand {

    @Command(name = "init", description = {"Create a collector's folder: TLS certificate, master key, admin and agent tokens, agent.conf.",
            "The tokens are printed once; only their hashes are kept. Copy DIR/agent.conf to the boot media."})
    static class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where the collector keeps its files (created).")
        Path dir;

        @Option(names = "--url", required = true, paramLabel = "URL", description = "The URL agents will use, e.g. https://10.0.0.5:8443 (its host goes into the certificate).")
        URI url;

        @Option(names = "--host", paramLabel = "NAME", description = "Another host name or address the certificate should name (repeatable).")
        List<String> hosts = List.of();

        @Option(names = "--db", paramLabel = "JDBC-URL", description = {"The PostgreSQL database the collectors of this folder will serve "
                + "(jdbc:postgresql://host:5432/db), recorded in DIR/database.conf (serve records it too). Default: SQLite in DIR/collector.db."})
        String db;

        @Option(names = "--db-user", paramLabel = "USER", description = "PostgreSQL user, recorded with --db.")
        String dbUser;

        @Option(names = "--db-password-file", paramLabel = "FILE", description = "A file holding the PostgreSQL password; its path (never the password) is recorded with --db.")
        Path dbPasswordFile;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (url.getScheme() == null || !url.getScheme().equals("https") || url.getHost() == null) {
                throw new UsageError("--url must be https://HOST:PORT (agents pin the certificate made now)");
            }
            if (db == null && (dbUser != null || dbPasswordFile != null)) {
                throw new UsageError("--db-user and --db-password-file go with --db");
            }
            ServedDatabase served;
            try {
                served = db == null ? null : ServedDatabase.of(db, dbUser, dbPasswordFile);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
            CollectorDir d = new CollectorDir(dir);
            CollectorInit.Created c = CollectorInit.run(d, url, new LinkedHashSet<>(hosts));
            if (served != null) {
                served.record(d);
            }
            out.println("Collector folder ready: " + dir.toAbsolutePath());
            out.println("  certificate SHA-256 pin: " + c.pin());
            out.println("  agent.conf (copy to the boot media): " + d.agentConf());
            out.println("  admin token (dashboard login; also in " + d.adminToken() + "):");
            out.println("    " + c.adminToken());
            out.println("  agent token (already in agent.conf):");
            out.println("    " + c.agentToken());
            if (served != null) {
                out.println("  database: " + served.describe(d) + " (recorded in " + ServedDatabase.file(d) + ": serve and token revoke use it)");
            }
            out.println("These tokens are shown only now; the collector keeps only their hashes.");
            out.println("Next: bootmedic collector serve --dir " + dir + " --port " + (url.getPort() > 0 ? url.getPort() : 443));
            return ExitCodes.CLEAN;
        }
    }

    /** Options that name the collector's folder and database, shared by serve, seed and token. */
    static class Where {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".", description = "The folder made by 'collector init' (default: current folder).")
        Path dir;

        @Option(names = "--db", paramLabel = "JDBC-URL", description = {"jdbc:postgresql://host:5432/db for PostgreSQL (default: the database the folder "
                + "records in database.conf, else SQLite in DIR/collector.db)."})
        String db;

        @Option(names = "--db-user", paramLabel = "USER", description = "PostgreSQL user (the password comes from BOOTMEDIC_DB_PASSWORD or --db-password-file).")
        String dbUser;

        @Option(names = "--db-password-file", paramLabel = "FILE", description = "A file holding the PostgreSQL password.")
        Path dbPasswordFile;

        /** The folder's record of its database, or empty; a damaged record is a usage error naming it. */
        Optional<ServedDatabase> recorded() {
            try {
                return ServedDatabase.read(new CollectorDir(dir));
            } catch (java.io.IOException e) {
                throw new UsageError(e.getMessage());
            }
        }

        /**
         * The database these options name: --db when given, else the one the folder records (--db-user
         * and --db-password-file still override its user and password file), else empty.
         */
        Optional<ServedDatabase> named() {
            if (db != null) {
                try {
                    return Optional.of(ServedDatabase.of(db, dbUser, dbPasswordFile));
                } catch (IllegalArgumentException e) {
                    throw new UsageError(e.getMessage());
                }
            }
            return recorded().map(r -> new ServedDatabase(r.url(), dbUser != null ? dbUser : r.user(),
                    dbPasswordFile != null ? dbPasswordFile.toAbsolutePath().normalize() : r.passwordFile()));
        }

        /** The database serve and seed use: the one named, or SQLite in the folder. */
        ServedDatabase served() {
            return named().orElse(ServedDatabase.of(null, null, null));
        }

        /** Opens (and migrates) {@code s}; the password: --db-password-file, else BOOTMEDIC_DB_PASSWORD, else the recorded password file. */
        Database open(ServedDatabase s) throws Exception {
            if (s.isFolderSqlite()) {
                return Database.sqliteIn(dir);
            }
            if (s.url().startsWith("jdbc:sqlite:")) {
                return Database.open(s.url(), null, null);
            }
            String password = System.getenv("BOOTMEDIC_DB_PASSWORD");
            if (dbPasswordFile != null) {
                password = Files.readString(dbPasswordFile, StandardCharsets.UTF_8).strip();
            } else if (password == null && s.passwordFile() != null) {
                password = Files.readString(s.passwordFile(), StandardCharsets.UTF_8).strip();
            }
            return Database.open(s.url(), s.user(), password);
        }

        Database open() throws Exception {
            return open(served());
        }
    }

    @Command(name = "serve", description = {"Run the collector: API, dashboard (/), /metrics, /healthz. Ctrl-C or SIGTERM stops it gracefully."})
    static class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Where where = new Where();

        @Option(names = "--port", paramLabel = "N", defaultValue = "8443", description = "TCP port (default 8443).")
        int port;

        @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "0.0.0.0", description = "Address to listen on (default: all).")
        String bind;

        @Option(names = "--key-rate", paramLabel = "N", defaultValue = "120", description = "Key releases allowed per token per minute (default 120).")
        int keyRate;

        @Option(names = "--readiness-rate", paramLabel = "N", defaultValue = "600",
                description = "Readiness reports accepted per agent token per minute (default 600); beyond, 429 and the agent retries.")
        int readinessRate;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "16", description = "Request threads (default 16).")
        int threads;

        @Option(names = "--max-connections", paramLabel = "N", defaultValue = "2000",
                description = "Open connections accepted at once (default 2000); beyond, new ones wait until one closes.")
        int maxConnections;

        @Option(names = "--plain-http", description = "Serve plain HTTP, for a TLS-terminating proxy in front (agents then trust the proxy's certificate).")
        boolean plainHttp;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            CollectorDir d = new CollectorDir(where.dir);
            if (!d.initialized()) {
                throw new UsageError(where.dir.toAbsolutePath() + " is not a collector folder (no tokens.json, master.key, server.p12). "
                        + "Create one with: bootmedic collector init --dir " + where.dir + " --url https://HOST:" + port);
            }
            if (maxConnections < 1) {
                throw new UsageError("--max-connections must be at least 1");
            }
            if (readinessRate < 1) {
                throw new UsageError("--readiness-rate must be at least 1 (readiness reports per agent token per minute)");
            }
            FolderLock lock;
            try {
                lock = FolderLock.acquire(d);
            } catch (FolderLock.HeldException e) {
                throw new UsageError(e.getMessage());
            }
            KeyStore ks = null;
            char[] pass = null;
            if (!plainHttp) {
                pass = d.keystorePasswordChars();
                ks = d.loadKeystore(pass);
            }
            CollectorDir.ownerOnly(d.tokens(), false); // made 0644 by an older init: owner only, like the other files
            ServedDatabase served = where.served();
            Database db = where.open(served);
            // the folder says which database it serves, so 'token revoke' writes where this collector reads
            Optional<ServedDatabase> before = served.record(d);
            before.ifPresent(b -> out.println("collector: " + where.dir + " served " + b.describe(d) + " before; it now records "
                    + served.describe(d) + " (" + ServedDatabase.file(d) + ")"));
            CollectorServer server = CollectorServer.start(new CollectorServer.Settings(new InetSocketAddress(bind, port), ks, pass,
                    Tokens.load(d.tokens()), MasterKey.load(d.masterKey()), d.accessLog(), keyRate, threads,
                    CollectorServer.Limits.DEFAULT.withMaxConnections(maxConnections)).withTrustedKeys(d.trustedKeys()).withReadinessRate(readinessRate), db);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.println("collector: stopping (finishing requests in flight)");
                server.stop(5);
                db.close();
                try {
                    lock.close();
                } catch (java.io.IOException ignored) {
                    // the process ends: the system releases it
                }
                stopped.countDown();
            }, "collector-shutdown"));
            out.println("collector: listening on " + (plainHttp ? "http" : "https") + "://" + bind + ":" + server.port() + " (" + served.describe(d)
                    + "); dashboard at /, access log in " + d.accessLog());
            out.flush();
            stopped.await();
            return ExitCodes.CLEAN;
        }
    }

    @Command(name = "token", description = {"Manage the collector's tokens. A running collector picks changes up within seconds."},
            subcommands = {Token.ListTokens.class, Token.AddToken.class, Token.RevokeToken.class})
    static class Token {

        /** The tokens file of the folder, or a usage error naming it. */
        static Path tokensFile(Where where) {
            Path file = new CollectorDir(where.dir).tokens();
            if (!Files.exists(file)) {
                throw new UsageError(where.dir.toAbsolutePath() + " is not a collector folder (no tokens.json)");
            }
            return file;
        }

        @Command(name = "list", description = "Ids, roles and labels of the tokens (never the tokens themselves).")
        static class ListTokens implements Callable<Integer> {
            @Spec
            CommandSpec spec;
            @picocli.CommandLine.Mixin
            Where where = new Where();

            @Override
            public Integer call() throws Exception {
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-9s %-7s %-14s %-25s %s%n", "ID", "ROLE", "KEYS", "CREATED", "LABEL");
                for (Tokens.Entry e : Tokens.entries(tokensFile(where))) {
                    String keys = e.role() != Tokens.Role.AGENT ? "-" : e.enrolment() ? "none (enrol)" : "always";
                    out.printf("%-9s %-7s %-14s %-25s %s%n", e.id(), e.role().name().toLowerCase(java.util.Locale.ROOT), keys,
                            e.created() == null ? "" : e.created(), e.label() == null ? "" : e.label());
                }
                return ExitCodes.CLEAN;
            }
        }

        @Command(name = "add", description = {"A new token, printed once: e.g. one agent token per site's USB sticks, "
                + "a metrics token for the Prometheus scraper."})
        static class AddToken implements Callable<Integer> {
            @Spec
            CommandSpec spec;
            @picocli.CommandLine.Mixin
            Where where = new Where();

            @Option(names = "--role", required = true, paramLabel = "ROLE", converter = RoleConverter.class,
                    description = "agent (boot media: send reports, ask for keys), admin (dashboard, key release by hand) or metrics (/metrics only).")
            Tokens.Role role;

            @Option(names = "--label", paramLabel = "TEXT", description = "What the token is for, e.g. 'site Berlin sticks'.")
            String label;

            @Option(names = {"--enrolment", "--incident-only"}, description = {"An agent token that arms machines and is released no key "
                    + "(docs/self-healing.md §1): each machine armed with it gets a token of its own, bound to that machine and its BitLocker "
                    + "key IDs, which is what goes into WinRE. (--incident-only is its former name.)"})
            boolean enrolment;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = spec.commandLine().getOut();
                if (enrolment && role != Tokens.Role.AGENT) {
                    throw new UsageError("--enrolment is for agent tokens (--role agent): only they arm machines");
                }
                String token = Tokens.add(tokensFile(where), role, label, enrolment);
                out.println(token);
                out.println("This " + role.name().toLowerCase(java.util.Locale.ROOT)
                        + " token is shown only now. For boot media, put it in a copy of agent.conf as collector.token=…");
                return ExitCodes.CLEAN;
            }
        }

        @Command(name = "revoke", description = {"A lost stick or a leaked token stops working, on every collector of the database the folder "
                + "serves (recorded in DIR/database.conf by init --db and serve)."})
        static class RevokeToken implements Callable<Integer> {
            @Spec
            CommandSpec spec;
            @picocli.CommandLine.Mixin
            Where where = new Where();

            @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID", description = "The token's id (from 'token list').")
            String id;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = spec.commandLine().getOut();
                Path file = tokensFile(where);
                boolean known = Tokens.entries(file).stream().anyMatch(e -> e.id().equals(id));
                if (!known) {
                    out.println("No token with id " + id + " (see 'bootmedic collector token list').");
                    return ExitCodes.NEEDS_WORK;
                }
                CollectorDir d = new CollectorDir(where.dir);
                ServedDatabase target = target(d);
                // the database first: every collector on it refuses the token, whichever folder's tokens.json lists it
                try (Database db = where.open(target)) {
                    Revocations.revoke(db, id, System.currentTimeMillis());
                }
                Tokens.revoke(file, id);
                out.println("Token " + id + " revoked in " + target.describe(d) + ", the database " + where.dir + " serves: "
                        + (target.url().startsWith("jdbc:postgresql:") ? "every collector on that database refuses" : "its collector refuses")
                        + " it within a few seconds.");
                return ExitCodes.CLEAN;
            }

            /** Where the revocation must go: the database the folder records; --db must agree with it; with neither, nobody knows. */
            private ServedDatabase target(CollectorDir d) {
                Optional<ServedDatabase> recorded = where.recorded();
                Optional<ServedDatabase> named = where.named();
                if (named.isEmpty()) {
                    throw new UsageError(where.dir + " does not record which database it serves (no " + ServedDatabase.FILE
                            + ": made before bootmedic recorded it, and not served since), so nothing was revoked. Give the --db that "
                            + "'collector serve' uses (e.g. --db jdbc:postgresql://host/db, or --db jdbc:sqlite:" + d.dir().resolve("collector.db")
                            + "), or start 'collector serve' once, which records it.");
                }
                if (recorded.isPresent() && !recorded.get().sameDatabase(named.get(), d)) {
                    throw new UsageError(where.dir + " serves " + recorded.get().describe(d) + " (" + ServedDatabase.file(d) + "), not "
                            + named.get().describe(d) + ", so nothing was revoked: a revocation there would not reach its collectors. "
                            + "Leave --db out to revoke in the database the folder serves.");
                }
                return named.get();
            }
        }

        /** agent, admin or metrics, in any case; anything else is a usage error that lists them. */
        static final class RoleConverter implements picocli.CommandLine.ITypeConverter<Tokens.Role> {
            @Override
            public Tokens.Role convert(String value) {
                for (Tokens.Role r : Tokens.Role.values()) {
                    if (r.name().equalsIgnoreCase(value)) {
                        return r;
                    }
                }
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is no role: give agent, admin or metrics");
            }
        }
    }

    @Command(name = "seed", hidden = true, description = "Fill a collector database with synthetic machines (benchmarks, demos).")
    static class Seed implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Where where = new Where();

        @Option(names = "--machines", paramLabel = "N", defaultValue = "100000")
        int machines;

        @Override
        public Integer call() throws Exception {
            String[] outcomes = {"fixed", "fixed", "fixed", "clean", "needs-key", "failed"};
            long start = System.nanoTime();
            try (Database db = where.open()) {
                ReportStore store = new ReportStore(db);
                long now = System.currentTimeMillis();
                // submitted without waiting for each, so the writers commit them in batches, not one flush per report
                java.util.List<java.util.concurrent.CompletableFuture<ReportStore.Result>> inFlight = new java.util.ArrayList<>();
                for (int i = 0; i < machines; i++) {
                    String body = "{\"schema\":\"bootmedic.report/v1\",\"runId\":\"" + UUID.randomUUID() + "\",\"agentVersion\":\"seed\","
                            + "\"startedAt\":\"" + Instant.ofEpochMilli(now - i * 1000L) + "\",\"finishedAt\":\"" + Instant.ofEpochMilli(now - i * 1000L)
                            + "\",\"mode\":\"winpe\",\"host\":{\"biosSerial\":\"SEED" + i + "\",\"hypervisorVmId\":null},\"outcome\":\""
                            + outcomes[i % outcomes.length] + "\",\"volumes\":[{\"volumeId\":\"vol-" + i + "\",\"windows\":{\"computerName\":\"SEED-PC-"
                            + String.format("%06d", i) + "\"}}]}";
                    byte[] b = body.getBytes(StandardCharsets.UTF_8);
                    inFlight.add(store.submit(ReportSummary.parse(b), b, now - (i % 86_400) * 1000L));
                    if (inFlight.size() == 1000 || i == machines - 1) {
                        for (var f : inFlight) {
                            f.get();
                        }
                        inFlight.clear();
                    }
                }
            }
            spec.commandLine().getOut().printf("seeded %d machines in %.1f s%n", machines, (System.nanoTime() - start) / 1e9);
            return ExitCodes.CLEAN;
        }
    }
}
