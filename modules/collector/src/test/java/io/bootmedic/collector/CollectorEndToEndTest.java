package io.bootmedic.collector;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole loop as an admin meets it: collector init, collector serve (a real process),
 * fix --config agent.conf, the machine listed as fixed; with the collector down the report
 * waits in the outbox, and report upload delivers it once.
 */
class CollectorEndToEndTest {
    @TempDir
    Path tmp;
    Process server;
    int port;

    @AfterEach
    void stopServer() throws Exception {
        if (server != null && server.isAlive()) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        System.clearProperty("bootmedic.collector.retryMillis");
    }

    @Test
    void fixReportsToTheCollectorAndAnOutboxCatchesUpAfterAnOutage() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = tmp.resolve("collector");
        Cli init = Cli.run("collector", "init", "--dir", dir.toString(), "--url", "https://127.0.0.1:" + port);
        assertEquals(0, init.exit, init.toString());
        String adminToken = Files.readString(dir.resolve("admin.token")).strip();
        assertTrue(init.out.contains(adminToken), "the admin token is shown once at init");
        assertFalse(Files.readString(dir.resolve("tokens.json")).contains(adminToken), "only its hash is stored");
        Path conf = dir.resolve("agent.conf");

        startServer(dir);
        Path outbox = tmp.resolve("usb/outbox");
        Path first = practiceTree("pc1");
        Cli fix = Cli.run("fix", "--root", first.toString(), "--config", conf.toString(), "--outbox", outbox.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("sent to the collector"), fix.toString());
        assertEquals(List.of(), pending(outbox));
        assertEquals(1, sent(outbox).size());

        TestCollector.Response list = adminGet("/api/v1/machines?outcome=fixed", adminToken);
        assertEquals(1, ((Number) list.json().get("total")).intValue(), list.body());

        // the collector goes down: SIGTERM, and it stops gracefully
        server.destroy();
        assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the collector stops on SIGTERM");

        System.setProperty("bootmedic.collector.retryMillis", "1500");
        Path second = practiceTree("pc2");
        Cli offline = Cli.run("fix", "--root", second.toString(), "--config", conf.toString(), "--outbox", outbox.toString());
        assertEquals(0, offline.exit, "the repair itself succeeded: " + offline);
        assertTrue(offline.err.contains("was not sent") && offline.err.contains("report upload --outbox"), offline.toString());
        assertEquals(1, pending(outbox).size(), "the report waits in the outbox");

        startServer(dir);
        Cli upload = Cli.run("report", "upload", "--outbox", outbox.toString(), "--config", conf.toString());
        assertEquals(0, upload.exit, upload.toString());
        assertTrue(upload.out.contains("1 sent, 0 still waiting"), upload.toString());
        Cli again = Cli.run("report", "upload", "--outbox", outbox.toString(), "--config", conf.toString());
        assertEquals(0, again.exit, again.toString());
        assertTrue(again.out.contains("Nothing to send"), again.toString());

        // a report copied back by mistake is recognised, not counted twice
        Path resend = sent(outbox).get(0);
        Files.copy(resend, outbox.resolve(resend.getFileName()));
        Cli dup = Cli.run("report", "upload", "--outbox", outbox.toString(), "--config", conf.toString());
        assertTrue(dup.out.contains("already had it"), dup.toString());

        TestCollector.Response all = adminGet("/api/v1/machines", adminToken);
        List<?> machines = (List<?>) all.json().get("machines");
        assertEquals(2, machines.size(), all.body());
        for (Object m : machines) {
            assertEquals("fixed", ((Map<?, ?>) m).get("outcome"));
            assertEquals(1, ((Number) ((Map<?, ?>) m).get("reports")).intValue(), "each run stored once: " + all.body());
        }
    }

    private void startServer(Path dir) throws Exception {
        server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.bootmedic.cli.Main",
                "collector", "serve", "--dir", dir.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains("listening on")) {
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException e) {
                        // the server went away
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new AssertionError("the collector did not start:\n" + seen);
    }

    private TestCollector.Response adminGet(String path, String token) throws Exception {
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) URI.create("https://127.0.0.1:" + port + path).toURL().openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setRequestProperty("Authorization", "Bearer " + token);
        return new TestCollector.Response(c.getResponseCode(), new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8), Map.of());
    }

    private Path practiceTree(String name) {
        Path root = tmp.resolve(name);
        Cli made = Cli.run("practice-tree", root.toString());
        assertEquals(0, made.exit, made.toString());
        return root;
    }

    private static List<Path> pending(Path outbox) throws Exception {
        try (Stream<Path> s = Files.list(outbox)) {
            return s.filter(p -> p.toString().endsWith(".json")).toList();
        }
    }

    private static List<Path> sent(Path outbox) throws Exception {
        try (Stream<Path> s = Files.list(outbox.resolve("sent"))) {
            return s.toList();
        }
    }

}
