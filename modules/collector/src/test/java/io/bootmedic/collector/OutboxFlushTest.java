package io.bootmedic.collector;

import io.bootmedic.collector.client.ReportUploader;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A technician's stick: one machine had no network, so its report waited in the outbox; the next
 * machine reaches the collector and takes the waiting report along, nobody runs 'report upload'.
 */
class OutboxFlushTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty("bootmedic.collector.retryMillis");
    }

    @Test
    void theNextRunThatReachesTheCollectorSendsWhatEarlierRunsLeftInTheOutbox() throws Exception {
        try (TestCollector collector = TestCollector.start(tmp.resolve("collector"), null, 60)) {
            Path outbox = tmp.resolve("stick/outbox");
            int deadPort;
            try (ServerSocket s = new ServerSocket(0)) {
                deadPort = s.getLocalPort();
            }
            Path offline = Files.writeString(tmp.resolve("offline.conf"), collector.agentConfig().withUrl(URI.create("https://127.0.0.1:" + deadPort)).text());
            Path online = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().text());
            System.setProperty("bootmedic.collector.retryMillis", "0");

            Cli.run("practice-tree", tmp.resolve("pc1").toString());
            Cli first = Cli.run("fix", "--root", tmp.resolve("pc1").toString(), "--config", offline.toString(), "--outbox", outbox.toString());
            assertEquals(0, first.exit, first.toString());
            assertEquals(1, ReportUploader.pending(outbox).size(), "no network: the report waits");

            Cli.run("practice-tree", tmp.resolve("pc2").toString());
            Cli second = Cli.run("fix", "--root", tmp.resolve("pc2").toString(), "--config", online.toString(), "--outbox", outbox.toString());
            assertEquals(0, second.exit, second.toString());
            assertTrue(second.out.contains("Also sent 1 earlier report(s)"), second.toString());
            assertEquals(0, ReportUploader.pending(outbox).size());
            assertEquals(2, ((Number) collector.request("GET", "/api/v1/machines", collector.created.adminToken(), null).json().get("total")).intValue());
        }
    }

    /**
     * The collector takes the report it receives last as a machine's state (issue 22), so an earlier
     * run of the same machine, waiting on the stick, must reach it before the run that follows it.
     */
    @Test
    void anEarlierRunOfTheSameMachineWaitingInTheOutboxIsSentBeforeTheNewRun() throws Exception {
        try (TestCollector collector = TestCollector.start(tmp.resolve("collector"), null, 60)) {
            Path outbox = tmp.resolve("stick/outbox");
            int deadPort;
            try (ServerSocket s = new ServerSocket(0)) {
                deadPort = s.getLocalPort();
            }
            Path offline = Files.writeString(tmp.resolve("offline.conf"), collector.agentConfig().withUrl(URI.create("https://127.0.0.1:" + deadPort)).text());
            Path online = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().text());
            System.setProperty("bootmedic.collector.retryMillis", "0");

            Cli.run("practice-tree", tmp.resolve("pc").toString());
            Cli first = Cli.run("fix", "--root", tmp.resolve("pc").toString(), "--config", offline.toString(), "--outbox", outbox.toString());
            assertEquals(0, first.exit, first.toString());
            assertEquals(1, ReportUploader.pending(outbox).size(), "no network: the report of the repair waits");

            Cli second = Cli.run("fix", "--root", tmp.resolve("pc").toString(), "--config", online.toString(), "--outbox", outbox.toString());
            assertEquals(0, second.exit, second.toString());
            assertTrue(second.out.contains("Also sent 1 earlier report(s)"), second.toString());
            java.util.List<?> machines = (java.util.List<?>) collector.request("GET", "/api/v1/machines", collector.created.adminToken(), null).json().get("machines");
            assertEquals(1, machines.size(), machines.toString());
            java.util.Map<?, ?> m = (java.util.Map<?, ?>) machines.get(0);
            assertEquals("clean", m.get("outcome"), "the second run (nothing left to fix) is the machine's state, not the first (fixed): " + m);
            assertEquals(2, ((Number) m.get("reports")).intValue());
        }
    }
}
