package io.bootmedic.collector;

import io.bootmedic.collector.http.CollectorServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22 #1: a request head with a Content-Length, one body byte, then silence, held a pool
 * thread until the idle timeout; 24 such connections with an agent token, or about 60 slow
 * logins with no token, stopped /healthz, report upload and key release. Bodies are now read
 * without a thread under a whole-body deadline: with 8 request threads, 60 stalled uploads and
 * 60 stalled logins leave /healthz and report upload working, and each stalled body ends in a
 * 408; a body refused by its head (too large, no token) is answered before a byte of it is read.
 */
class SlowBodyTest {
    /** Short deadlines so the test sees the 408s: 8 s to a complete head (room for TLS on a loaded machine), bodies at 4 KiB/s at least. */
    private static final CollectorServer.Limits LIMITS = new CollectorServer.Limits(2000, 8_000, 30_000, 16 * 1024, 4096);

    @TempDir
    Path tmp;

    private static SSLSocket open(int port) throws Exception {
        SSLSocket s = (SSLSocket) TestCollector.trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The status line the collector answers with, or "closed" / "silent". */
    private static String status(Socket s, int waitMillis) throws IOException {
        s.setSoTimeout(waitMillis);
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return line.length() == 0 ? "closed" : line.toString().strip();
        } catch (SocketTimeoutException e) {
            return "silent";
        } catch (IOException e) {
            return "closed";
        }
    }

    @Test
    void stalledBodiesHoldNoThreadAndEndIn408() throws Exception {
        try (TestCollector c = TestCollector.start(tmp.resolve("c"), null, 1000, LIMITS)) {
            int port = c.server.port();
            String token = c.created.agentToken();
            List<Socket> uploads = new ArrayList<>();
            List<Socket> logins = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket s;
                    try {
                        s = open(port);
                    } catch (IOException e) {
                        throw new AssertionError("connection " + i + " (uploads " + uploads.size() + ", logins " + logins.size() + "): " + e, e);
                    }
                    send(s, "POST /api/v1/reports HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer " + token
                            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
                    uploads.add(s);
                    Socket l = open(port);
                    send(l, "POST /login HTTP/1.1\r\nHost: collector\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\nu");
                    logins.add(l);
                }
                // 120 stalled bodies against 8 request threads: the collector still answers, and stores reports
                for (int i = 0; i < 10; i++) {
                    long t0 = System.nanoTime();
                    assertEquals(200, c.request("GET", "/healthz", null, null).status());
                    assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "/healthz answered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                }
                byte[] report = Reports.bytes(Reports.report("PC-SLOW", "SN-SLOW", "fixed", Instant.now().toString()));
                TestCollector.Response stored = c.request("POST", "/api/v1/reports", token, report);
                assertTrue(stored.status() / 100 == 2, stored.toString());
                // each stalled body is cut off at its deadline with a 408 (or its connection closed), never left hanging
                for (Socket s : uploads) {
                    String answer = status(s, 15_000);
                    assertTrue(answer.contains("408") || answer.equals("closed"), answer);
                }
                int said408 = 0;
                for (Socket s : logins) {
                    String answer = status(s, 20_000);
                    assertTrue(answer.contains("408") || answer.equals("closed"), answer);
                    said408 += answer.contains("408") ? 1 : 0;
                }
                assertTrue(said408 > 0, "the stalled logins were told why (408)");
            } finally {
                for (Socket s : uploads) {
                    s.close();
                }
                for (Socket s : logins) {
                    s.close();
                }
            }
            String log = Files.readString(c.dir.accessLog());
            assertTrue(java.util.regex.Pattern.compile("\"status\"\\s*:\\s*408").matcher(log).find(), "each timed-out body is one access-log line");
        }
    }

    @Test
    void bodiesRefusedByTheirHeadAreAnsweredBeforeAByteIsRead() throws Exception {
        try (TestCollector c = TestCollector.start(tmp.resolve("c"), null, 1000, LIMITS)) {
            int port = c.server.port();
            String token = c.created.agentToken();
            try (Socket s = open(port)) {
                send(s, "POST /login HTTP/1.1\r\nHost: collector\r\nContent-Length: 100000\r\n\r\n");
                String first = status(s, 15_000);
                assertTrue(first.contains("413"), "a login form larger than 4 KiB: " + first);
            }
            try (Socket s = open(port)) {
                send(s, "POST /api/v1/reports HTTP/1.1\r\nHost: collector\r\nContent-Length: 200000\r\n\r\n");
                assertTrue(status(s, 15_000).contains("413"), "no token: the login form's limit applies");
            }
            try (Socket s = open(port)) {
                send(s, "POST /api/v1/reports HTTP/1.1\r\nHost: collector\r\nContent-Length: 2000\r\n\r\n");
                assertTrue(status(s, 15_000).contains("401"), "no token: 401 before the body");
            }
            try (Socket s = open(port)) {
                send(s, "POST /api/v1/reports HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 300000\r\n\r\n");
                assertTrue(status(s, 15_000).contains("413"), "a report larger than 256 KiB");
            }
            try (Socket s = open(port)) {
                send(s, "POST /api/v1/reports HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer " + token
                        + "\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnot a chunk\r\n0\r\n\r\n");
                String answer = status(s, 15_000);
                assertTrue(answer.contains("400"), "a malformed chunked body: " + answer);
            }
            assertFalse(Files.readString(c.dir.accessLog()).contains("\tat "), "no stack trace");
        }
    }
}
