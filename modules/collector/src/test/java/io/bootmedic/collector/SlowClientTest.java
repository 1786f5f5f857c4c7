package io.bootmedic.collector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 #1: 200 connections that trickle bytes (a TLS handshake, a request head, a request
 * body) must not slow a normal client down. On the JDK HttpsServer with 16 threads, 16 such
 * connections stopped every request. Loopback only, every loop bounded by the test's duration.
 */
class SlowClientTest {
    /** The issue asks for 30 s; -Dbootmedic.test.trickleSeconds shortens it for a quick run. */
    private static final int SECONDS = Integer.getInteger("bootmedic.test.trickleSeconds", 30);
    private static final int ATTACKERS = 200;

    @TempDir
    Path tmp;

    /** One attacking connection: it sends its next byte each round, and opens again when the collector closes it. */
    private abstract static class Trickler {
        Socket socket;
        OutputStream out;
        byte[] script;
        int sent;
        int reopened;

        abstract Socket open() throws Exception;

        abstract byte[] script();

        void step() {
            try {
                if (socket == null || sent >= script.length) {
                    if (socket != null) {
                        reopened++;
                        socket.close();
                    }
                    socket = open();
                    out = socket.getOutputStream();
                    script = script();
                    sent = 0;
                }
                out.write(script[sent++]);
                out.flush();
            } catch (Exception e) { // the collector closed it: that is what it should do, sooner or later
                try {
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException ignored) {
                    // closed already
                }
                socket = null;
                reopened++;
            }
        }

        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // gone
            }
        }
    }

    @Test
    void twoHundredTricklingConnectionsDoNotSlowANormalClient() throws Exception {
        try (TestCollector collector = TestCollector.start(tmp.resolve("c"), null, 100)) {
            int port = collector.server.port();
            byte[] head = ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + "x".repeat(2000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] slowLogin = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n"
                    + "token=" + "a".repeat(3994)).getBytes(StandardCharsets.US_ASCII);
            byte[] slowReport = ("POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + collector.created.agentToken()
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{" + " ".repeat(99_999)).getBytes(StandardCharsets.US_ASCII);
            List<Trickler> attackers = new ArrayList<>();
            for (int i = 0; i < ATTACKERS; i++) {
                int kind = i % 4;
                attackers.add(new Trickler() {
                    @Override
                    Socket open() throws Exception {
                        Socket raw = new Socket();
                        raw.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                        raw.setSoTimeout(2000);
                        if (kind == 0) {
                            return raw; // bytes that never finish a TLS handshake
                        }
                        SSLSocket tls = (SSLSocket) TestCollector.trustAll().getSocketFactory().createSocket(raw, "127.0.0.1", port, true);
                        tls.startHandshake();
                        return tls;
                    }

                    @Override
                    byte[] script() {
                        return switch (kind) {
                            case 0 -> slowHandshake();
                            case 1 -> head;
                            case 2 -> slowLogin;
                            default -> slowReport;
                        };
                    }
                });
            }

            HttpClient client = HttpClient.newBuilder().sslContext(TestCollector.trustAll()).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            // warm up (JIT, connection, database) before the attack, so the figures are of the attack and not of a cold start
            for (int i = 0; i < 15; i++) {
                healthz(client, collector);
                upload(client, collector, "WARM-" + i);
            }
            // the same requests without the attack: the bar is this machine's own speed now, so a busy CI host compares like with like
            List<Long> quiet = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long t0 = System.nanoTime();
                healthz(client, collector);
                upload(client, collector, "QUIET-" + i);
                quiet.add(System.nanoTime() - t0);
            }
            // a starved pool shows as seconds (Jetty's idle timeout is 30 s): 10 times the quiet round trip still catches it
            double bar = Math.max(200, 10 * p99(quiet));

            AtomicBoolean done = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                while (!done.get()) {
                    for (Trickler t : attackers) {
                        if (done.get()) {
                            break;
                        }
                        t.step();
                    }
                    sleep(500);
                }
            }, "trickler");
            // open them all before measuring, so every measured request meets 200 slow clients
            attackers.parallelStream().forEach(Trickler::step);
            trickle.start();

            List<Long> healthz = Collections.synchronizedList(new ArrayList<>());
            List<Long> uploads = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger failures = new AtomicInteger();
            long end = System.nanoTime() + SECONDS * 1_000_000_000L;
            try {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    int h = healthz(client, collector);
                    healthz.add(System.nanoTime() - t0);
                    HttpRequest upload = uploadRequest(collector, "PC-" + uploads.size());
                    long t1 = System.nanoTime();
                    int r = client.send(upload, HttpResponse.BodyHandlers.ofString()).statusCode();
                    uploads.add(System.nanoTime() - t1);
                    if (h != 200 || r != 201) {
                        failures.incrementAndGet();
                    }
                    Thread.sleep(20);
                }
            } finally {
                done.set(true);
                trickle.join(10_000);
                attackers.forEach(Trickler::close);
            }
            int reopened = attackers.stream().mapToInt(t -> t.reopened).sum();
            String summary = String.format("%d s, %d attackers (%d times cut off and reopened); healthz p50 %.1f p99 %.1f ms over %d, upload p50 %.1f p99 %.1f ms "
                    + "over %d; without attackers a healthz and upload round trip p99 %.1f ms (bar %.0f ms)", SECONDS, ATTACKERS, reopened, p50(healthz),
                    p99(healthz), healthz.size(), p50(uploads), p99(uploads), uploads.size(), p99(quiet), bar);
            System.out.println("SlowClientTest: " + summary);
            assertEquals(0, failures.get(), summary);
            assertTrue(healthz.size() >= SECONDS * 5, "the normal client got through: " + summary);
            assertTrue(p99(healthz) < bar, summary);
            assertTrue(p99(uploads) < bar, summary);
            if (SECONDS >= 15) {
                assertTrue(reopened >= ATTACKERS / 2, "slow handshakes, heads and bodies are cut off: " + summary);
            }
        }
    }

    /** The start of a TLS handshake record that declares 16 KiB: the server must wait for all of it. */
    private static byte[] slowHandshake() {
        byte[] b = new byte[5 + 16383];
        b[0] = 0x16;
        b[1] = 0x03;
        b[2] = 0x01;
        b[3] = 0x3f;
        b[4] = (byte) 0xff;
        return b;
    }

    private static int healthz(HttpClient client, TestCollector collector) throws Exception {
        return client.send(HttpRequest.newBuilder(collector.url.resolve("/healthz")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static void upload(HttpClient client, TestCollector collector, String name) throws Exception {
        client.send(uploadRequest(collector, name), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest uploadRequest(TestCollector collector, String name) {
        return HttpRequest.newBuilder(collector.url.resolve("/api/v1/reports")).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + collector.created.agentToken())
                .POST(HttpRequest.BodyPublishers.ofByteArray(Reports.bytes(Reports.report(name, "SN-" + name, "fixed", "2024-07-19T06:00:00Z")))).build();
    }

    private static double p50(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2) / 1e6;
    }

    private static double p99(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)) / 1e6;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
