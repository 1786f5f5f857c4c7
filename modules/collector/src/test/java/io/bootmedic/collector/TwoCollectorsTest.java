package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, "more than one collector": two {@code collector serve} processes on one PostgreSQL
 * behind Debian's HAProxy (TCP mode, so agents still pin the certificate) behave as one, and
 * when one is killed with SIGKILL in the middle of a burst, no acknowledged report is lost,
 * agents carry on through the other, and every released key is audited exactly once per
 * release. Loopback only; every wait is bounded.
 */
class TwoCollectorsTest {
    private static final int AGENTS = 4;
    private static final int REPORTS_PER_AGENT = 40;
    private static final int KEYS_PER_AGENT = 10;

    @TempDir
    Path tmp;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String haproxy() {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin")) {
            if (Files.isExecutable(Path.of(dir, "haproxy"))) {
                return dir + "/haproxy";
            }
        }
        return null;
    }

    /** A collector in a process of its own, so it can be killed for real. */
    private static Process serve(Path dir, String jdbc, int port, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.bootmedic.cli.Main",
                "collector", "serve", "--dir", dir.toString(), "--db", jdbc, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--key-rate", "100000").redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitListening(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("listening on")) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("collector serve ended: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("collector serve did not start in 90 s: " + Files.readString(log));
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : List.of("server.p12", "server.p12.pass", "server.crt", "tokens.json", "master.key", "admin.token", "agent.conf")) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }

    @Test
    void twoCollectorsBehindHaproxyActAsOneAndLosingOneMidBurstLosesNothing() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        String haproxy = haproxy();
        Assumptions.assumeTrue(haproxy != null, "skipped: haproxy is not installed (scripts/setup-debian.sh installs it)");
        String jdbc = PostgresServer.newDatabase();

        int portA = freePort();
        int portB = freePort();
        int portH = freePort();
        CollectorDir a = new CollectorDir(tmp.resolve("a"));
        CollectorInit.Created created = CollectorInit.run(a, URI.create("https://127.0.0.1:" + portH), Set.of());
        CollectorDir b = new CollectorDir(tmp.resolve("b"));
        copyFolder(a.dir(), b.dir());

        Path cfg = Files.writeString(tmp.resolve("haproxy.cfg"), String.join("\n",
                "global", "  maxconn 2000",
                "defaults", "  mode tcp", "  timeout connect 2s", "  timeout client 30s", "  timeout server 30s", "  retries 3", "  option redispatch",
                "frontend collectors", "  bind 127.0.0.1:" + portH, "  default_backend collectors",
                "backend collectors", "  balance roundrobin", "  option httpchk", "  http-check send meth GET uri /healthz",
                "  server a 127.0.0.1:" + portA + " check check-ssl verify none inter 300 fall 1 rise 2",
                "  server b 127.0.0.1:" + portB + " check check-ssl verify none inter 300 fall 1 rise 2", ""));
        Process procA = null;
        Process procB = null;
        Process lb = null;
        try {
            long t0 = System.nanoTime();
            procA = serve(a.dir(), jdbc, portA, tmp.resolve("a.log"));
            procB = serve(b.dir(), jdbc, portB, tmp.resolve("b.log"));
            awaitListening(procA, tmp.resolve("a.log"));
            awaitListening(procB, tmp.resolve("b.log"));
            lb = new ProcessBuilder(haproxy, "-db", "-f", cfg.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("haproxy.log").toFile()).start();

            URI viaLb = URI.create("https://127.0.0.1:" + portH);
            URI direct = URI.create("https://127.0.0.1:" + portA);
            URI directB = URI.create("https://127.0.0.1:" + portB);
            AgentConfig agentConf = AgentConfig.read(a.agentConf()).withUrl(viaLb);
            waitUntilServed(agentConf);

            // a session made on one collector is known to the other
            Direct onA = new Direct(direct);
            Direct onB = new Direct(directB);
            String cookie = onA.login(created.adminToken());
            assertEquals(200, onB.status("GET", "/", null, cookie, null), "the session made on A is valid on B");

            // a token revoked through A's folder is refused by B, although B's tokens.json still lists it
            String site = Tokens.add(a.tokens(), Tokens.Role.AGENT, "site C");
            Files.copy(a.tokens(), b.tokens(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            byte[] report = Reports.bytes(Reports.report("SITE-C", "SNC", "fixed", "2024-07-19T06:00:00Z"));
            assertEquals(201, CollectorApiContract.untilStatus(() -> onB.status("POST", "/api/v1/reports", site, null, report), 201));
            String siteId = Tokens.entries(a.tokens()).stream().filter(e -> "site C".equals(e.label())).findFirst().orElseThrow().id();
            Cli revoked = Cli.run("collector", "token", "revoke", siteId, "--dir", a.dir().toString(), "--db", jdbc);
            assertEquals(0, revoked.exit, revoked.toString());
            assertEquals(401, CollectorApiContract.untilStatus(() -> onB.status("GET", "/api/v1/keys/" + CollectorHardeningTest.KEY_ID, site, null, null), 401),
                    "revoked on every collector of the database");

            // the login limit is one limit for both: 20 a minute from an address, wherever the attempts land
            int limited = 0;
            // 34 attempts: 17 on each, so per-process buckets of 20 would refuse none
            for (int i = 0; i < 34; i++) {
                int s = (i % 2 == 0 ? onA : onB).status("POST", "/login", null, null, "token=bmadm_guess".getBytes(StandardCharsets.UTF_8));
                limited += s == 429 ? 1 : 0;
            }
            assertTrue(limited >= 4, "one shared bucket: " + limited + " of 34 refused");

            System.out.printf("TwoCollectorsTest: shared state checked at %.1f s%n", (System.nanoTime() - t0) / 1e9);
            // keys for the burst, one distinct key per release so each release has its own audit row
            List<String> keyIds = new ArrayList<>();
            StringBuilder export = new StringBuilder("KeyID,RecoveryKey\n");
            for (int i = 0; i < AGENTS * KEYS_PER_AGENT; i++) {
                String id = String.format("%08X-0000-4000-8000-%012X", 0x10000000 + i, i);
                keyIds.add(id);
                export.append(id).append(',').append(password(i)).append('\n');
            }
            new CollectorClient(new AgentConfig(viaLb, created.pin(), created.adminToken()), 10_000).importKeys(export.toString().getBytes(StandardCharsets.UTF_8), "burst.csv");

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Map<String, Integer> attempts = new ConcurrentHashMap<>();
            Map<String, RecoveryPassword> released = new ConcurrentHashMap<>();
            AtomicInteger afterKill = new AtomicInteger();
            AtomicInteger retries = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> agents = new ArrayList<>();
            for (int t = 0; t < AGENTS; t++) {
                int agent = t;
                Thread th = new Thread(() -> {
                    try {
                        CollectorClient client = new CollectorClient(agentConf, 5000);
                        for (int i = 0; i < REPORTS_PER_AGENT; i++) {
                            Map<String, Object> r = Reports.report("BURST-" + agent + "-" + i, "SN-" + agent + "-" + i, "fixed", "2024-07-19T06:00:00Z");
                            byte[] body = Reports.bytes(r);
                            retrying(retries, () -> client.sendReport(body));
                            acknowledged.add((String) r.get("runId"));
                            if (killed.get()) {
                                afterKill.incrementAndGet();
                            }
                            if (i % 4 == 0) {
                                String id = keyIds.get(agent * KEYS_PER_AGENT + i / 4);
                                Optional<RecoveryPassword> p = retrying(retries, () -> {
                                    attempts.merge(id, 1, Integer::sum);
                                    return client.recoveryPassword(id);
                                });
                                released.put(id, p.orElseThrow());
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "agent-" + t);
                agents.add(th);
                th.start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged.size() < AGENTS * REPORTS_PER_AGENT / 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            System.out.printf("TwoCollectorsTest: killing A at %.1f s, %d reports acknowledged%n", (System.nanoTime() - t0) / 1e9, acknowledged.size());
            procA.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful stop
            killed.set(true);
            procA.waitFor(10, TimeUnit.SECONDS);
            for (Thread th : agents) {
                th.join(TimeUnit.SECONDS.toMillis(120));
                assertTrue(!th.isAlive(), "agents finish in bounded time");
            }
            System.out.printf("TwoCollectorsTest: burst done at %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertTrue(failures.isEmpty(), "agents carried on through the other collector: " + failures);
            assertEquals(AGENTS * REPORTS_PER_AGENT, acknowledged.size());
            assertTrue(afterKill.get() > 0, "reports were acknowledged after the kill");

            try (Connection c = DriverManager.getConnection(jdbc)) {
                Set<String> stored = new HashSet<>();
                try (ResultSet rs = c.createStatement().executeQuery("SELECT run_id FROM reports")) {
                    while (rs.next()) {
                        stored.add(rs.getString(1));
                    }
                }
                Set<String> lost = new HashSet<>(acknowledged);
                lost.removeAll(stored);
                assertTrue(lost.isEmpty(), "acknowledged reports lost: " + lost);
                assertEquals(AGENTS * KEYS_PER_AGENT, released.size());
                // Each call may reach the collectors twice: HttpURLConnection sends a GET once more on
                // its own when the connection breaks before the answer (ClientResendTest), which
                // happens only to a request in flight when A dies, so to one per agent at most.
                int resentAtTheKill = 0;
                for (String id : keyIds) {
                    assertEquals(RecoveryPassword.parse(password(keyIds.indexOf(id))), released.get(id));
                    int rows;
                    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit WHERE action = 'key-release' AND key_id = ?")) {
                        ps.setString(1, id);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            rows = rs.getInt(1);
                        }
                    }
                    int tries = attempts.get(id);
                    assertTrue(rows >= 1 && rows <= 2 * tries, id + ": " + rows + " audit rows for " + tries + " calls");
                    resentAtTheKill += rows > tries ? 1 : 0;
                }
                assertTrue(resentAtTheKill <= AGENTS, resentAtTheKill + " keys audited more often than asked for: more than the "
                        + AGENTS + " requests in flight at the kill");
            }
            System.out.println("TwoCollectorsTest: " + acknowledged.size() + " reports and " + released.size() + " keys through HAProxy, "
                    + afterKill.get() + " reports after the kill, " + retries.get() + " retries");
        } finally {
            for (Process p : new Process[]{lb, procA, procB}) {
                if (p != null) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static String password(int i) {
        return String.format("%06d-000022-000033-000044-000055-000066-000077-000088", i * 11);
    }

    private interface Call<T> {
        T call() throws CollectorException;
    }

    /** What an agent does: a reset connection or a 5xx is tried again (through the balancer, so on the other collector). */
    private static <T> T retrying(AtomicInteger retries, Call<T> call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return call.call();
            } catch (CollectorException e) {
                if (!e.retryable() || System.nanoTime() > deadline) {
                    throw e;
                }
                retries.incrementAndGet();
                Thread.sleep(100);
            }
        }
    }

    private static void waitUntilServed(AgentConfig conf) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        CollectorClient c = new CollectorClient(conf, 2000);
        while (true) {
            try {
                c.recoveryPassword("00000000-1111-2222-3333-444444444444");
                return;
            } catch (CollectorException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** Raw requests to one collector, past the balancer. */
    private record Direct(URI url) {
        int status(String method, String path, String token, String cookie, byte[] body) throws Exception {
            javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) url.resolve(path).toURL().openConnection();
            c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
            c.setHostnameVerifier((h, s) -> true);
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod(method);
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            if (cookie != null) {
                c.setRequestProperty("Cookie", cookie);
            }
            if (body != null) {
                c.setDoOutput(true);
                c.getOutputStream().write(body);
            }
            return c.getResponseCode();
        }

        String login(String admin) throws Exception {
            javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) url.resolve("/login").toURL().openConnection();
            c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
            c.setHostnameVerifier((h, s) -> true);
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.getOutputStream().write(("token=" + admin).getBytes(StandardCharsets.UTF_8));
            assertEquals(303, c.getResponseCode());
            String setCookie = c.getHeaderField("Set-Cookie");
            return setCookie.substring(0, setCookie.indexOf(';'));
        }
    }
}
