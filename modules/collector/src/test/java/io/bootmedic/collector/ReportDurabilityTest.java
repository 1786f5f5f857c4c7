package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.testutil.PostgresServer;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22, "nothing acknowledged is lost": agents move a report to {@code outbox/sent} once the
 * collector answers 2xx, so every report that got a 2xx must be in the database after
 * <ul>
 *   <li>every PostgreSQL process is killed with SIGKILL in the middle of a burst (shared memory,
 *   WAL buffers and all) and the server is started again (it recovers from its WAL), and</li>
 *   <li>the collector process itself is killed with SIGKILL in the middle of a burst, on PostgreSQL
 *   and on SQLite.</li>
 * </ul>
 * The collector runs as a child JVM ({@link ServeProcess}: {@code collector serve}, as in production)
 * so it can be killed for real; the PostgreSQL server of the first test is one of its own (the
 * shared test server must survive). {@code -Dbootmedic.test.collectorJar=FILE} runs another build's
 * collector instead, e.g. one from before issue 22, whose asynchronous report commits this test catches.
 * Power cuts cannot be staged here: there the guarantee rests on fsync at each commit (PostgreSQL's
 * default {@code synchronous_commit = on}, SQLite's {@code synchronous=FULL}), which
 * {@code PostgresCollectorApiTest} and {@code ReportStoreBatchTest} check.
 */
class ReportDurabilityTest {
    private static final int AGENTS = 24;
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(120);

    @TempDir
    Path tmp;

    @Test
    void killingEveryPostgresProcessMidBurstLosesNoAcknowledgedReport() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        // under /tmp directly with a folder of its own: the postgres user must reach it (not the 0700 @TempDir)
        Path pg = Files.createTempDirectory("bootmedic-pgkill");
        Path script = Path.of("scripts/test/postgres-server.sh").toAbsolutePath();
        int pgPort = freePort();
        Process collector = null;
        try {
            String jdbc = lastLine(Tools.run(List.of("bash", script.toString(), "start", pg.toString(), String.valueOf(pgPort))));
            Collector c = Collector.start(tmp, jdbc);
            collector = c.process;
            Burst burst = new Burst(c.agentConf);
            burst.awaitAcknowledged(300);

            List<Long> killed = postgresProcesses(pg.resolve("data"));
            int atKill = burst.acknowledged.size();
            Tools.Result kill = Tools.run(concat(List.of("kill", "-KILL"), killed.stream().map(String::valueOf).toList()));
            assertEquals(0, kill.exit(), kill.out());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (killed.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(1500); // the burst goes on against a dead database: nothing may be acknowledged now
            int whileDown = burst.acknowledged.size() - atKill;

            Tools.Result restarted = Tools.run(List.of("bash", script.toString(), "restart", pg.toString(), String.valueOf(pgPort)));
            assertEquals(0, restarted.exit(), restarted.out());
            int atRestart = burst.acknowledged.size();
            // the collector recovers on its own: new reports are acknowledged again
            burst.awaitAcknowledged(atRestart + 200);
            burst.stop();

            Set<String> lost = missing(burst.acknowledged, jdbc, null);
            System.out.printf("ReportDurabilityTest (PostgreSQL killed): %d processes killed; %d reports acknowledged before the kill, %d while down, "
                            + "%d in all; %d refused or unanswered; %d lost%n", killed.size(), atKill, whileDown, burst.acknowledged.size(),
                    burst.failed.get(), lost.size());
            assertTrue(killed.size() >= 5, "the postmaster and its children: " + killed);
            assertTrue(burst.failed.get() > 0, "the kill was felt by the agents");
            assertTrue(lost.isEmpty(), lost.size() + " of " + burst.acknowledged.size() + " acknowledged reports lost: " + lost);
        } finally {
            if (collector != null) {
                collector.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Tools.run(List.of("bash", script.toString(), "stop", pg.toString()));
            Tools.run(List.of("rm", "-rf", pg.toString()));
        }
    }

    @Test
    void killingTheCollectorMidBurstLosesNoAcknowledgedReportOnPostgres() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        String jdbc = PostgresServer.newDatabase();
        killTheCollector(jdbc, "PostgreSQL");
    }

    @Test
    void killingTheCollectorMidBurstLosesNoAcknowledgedReportOnSqlite() throws Exception {
        killTheCollector(null, "SQLite");
    }

    private void killTheCollector(String jdbc, String name) throws Exception {
        Collector c = Collector.start(tmp, jdbc);
        try {
            Burst burst = new Burst(c.agentConf);
            burst.awaitAcknowledged(300);
            c.process.destroyForcibly(); // SIGKILL: no shutdown hook, no draining of the writers' queue
            assertTrue(c.process.waitFor(20, TimeUnit.SECONDS));
            int atKill = burst.acknowledged.size();
            Thread.sleep(500);
            burst.stop();
            int afterKill = burst.acknowledged.size() - atKill;
            Set<String> lost = missing(burst.acknowledged, jdbc, c.dir.dir().resolve("collector.db"));
            System.out.printf("ReportDurabilityTest (collector killed, %s): %d reports acknowledged, %d after the kill; %d refused or unanswered; %d lost%n",
                    name, burst.acknowledged.size(), afterKill, burst.failed.get(), lost.size());
            assertEquals(0, afterKill, "nothing is acknowledged by a dead collector");
            assertTrue(lost.isEmpty(), lost.size() + " of " + burst.acknowledged.size() + " acknowledged reports lost: " + lost);
        } finally {
            c.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The acknowledged run ids the database does not hold; {@code jdbc} null: the SQLite file. */
    private static Set<String> missing(Set<String> acknowledged, String jdbc, Path sqlite) throws Exception {
        Set<String> stored = new HashSet<>();
        try (Connection c = DriverManager.getConnection(jdbc != null ? jdbc : "jdbc:sqlite:" + sqlite);
             ResultSet rs = c.createStatement().executeQuery("SELECT run_id FROM reports")) {
            while (rs.next()) {
                stored.add(rs.getString(1));
            }
        }
        Set<String> lost = new HashSet<>(acknowledged);
        lost.removeAll(stored);
        return lost;
    }

    /** The postmaster of {@code data} (its pid file) and every process below it. */
    private static List<Long> postgresProcesses(Path data) throws IOException {
        long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        ProcessHandle p = ProcessHandle.of(postmaster).orElseThrow(() -> new AssertionError("no postmaster " + postmaster));
        List<Long> all = new ArrayList<>();
        all.add(postmaster);
        p.descendants().forEach(d -> all.add(d.pid()));
        return all;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String lastLine(Tools.Result r) {
        assertEquals(0, r.exit(), r.out());
        String[] lines = r.out().strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private static int freePort() throws IOException {
        return ServeProcess.freePort();
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + TimeUnit.NANOSECONDS.toSeconds(BOUND_NANOS) + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** {@code collector serve} in a JVM of its own, on a folder made by init. */
    private record Collector(CollectorDir dir, Process process, AgentConfig agentConf) {
        static Collector start(Path tmp, String jdbc) throws Exception {
            int port = freePort();
            CollectorDir dir = new CollectorDir(tmp.resolve("collector"));
            CollectorInit.run(dir, URI.create("https://127.0.0.1:" + port), Set.of());
            Process p = jdbc == null ? ServeProcess.start(dir.dir(), port, tmp.resolve("collector.log"))
                    : ServeProcess.start(dir.dir(), port, tmp.resolve("collector.log"), "--db", jdbc);
            return new Collector(dir, p, AgentConfig.read(dir.agentConf()));
        }
    }

    /** {@link #AGENTS} agents sending new reports as fast as the collector takes them, until stopped. */
    private static final class Burst {
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final AtomicInteger failed = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final List<Throwable> broken = new java.util.concurrent.CopyOnWriteArrayList<>();

        Burst(AgentConfig conf) {
            for (int t = 0; t < AGENTS; t++) {
                int agent = t;
                Thread th = new Thread(() -> {
                    try {
                        CollectorClient client = new CollectorClient(conf, 5000);
                        for (int i = 0; !stop.get(); i++) {
                            Map<String, Object> r = Reports.report("DUR-" + agent + "-" + i, "SN-" + agent + "-" + i, "fixed", "2024-07-19T06:00:00Z");
                            try {
                                client.sendReport(Reports.bytes(r)); // returns only on 2xx
                                acknowledged.add((String) r.get("runId"));
                            } catch (io.bootmedic.collector.client.CollectorException e) {
                                failed.incrementAndGet();
                                Thread.sleep(50);
                            }
                        }
                    } catch (Throwable e) {
                        broken.add(e);
                    }
                }, "agent-" + t);
                threads.add(th);
                th.start();
            }
        }

        void awaitAcknowledged(int n) throws InterruptedException {
            await(() -> acknowledged.size() >= n || !broken.isEmpty(), n + " reports acknowledged (" + acknowledged.size() + " so far)");
            assertTrue(broken.isEmpty(), broken.toString());
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis(30));
                assertTrue(!th.isAlive(), "agents finish in bounded time");
            }
            assertTrue(broken.isEmpty(), broken.toString());
        }
    }
}
