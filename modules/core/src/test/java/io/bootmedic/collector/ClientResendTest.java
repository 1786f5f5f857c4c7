package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A collector killed after it read a request but before it answered (what a balancer's agents
 * see when one instance dies). A report is sent once and the retry is left to the agent's Backoff.
 * A GET, a key release included, is sent once more by the JDK's HttpURLConnection on its own and
 * never a third time: the bound TwoCollectorsTest counts audit rows against.
 */
class ClientResendTest {
    private static final String KEY_ID = "10000003-0000-4000-8000-000000000003";

    /** Reads each request's head, then drops the connection without a word; records the heads. */
    private static List<String> dropAfterReading(ServerSocket server) {
        List<String> heads = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(2000);
                    heads.add(head(s.getInputStream()));
                } catch (Exception e) {
                    // closed at the end of the test, or a client that went away
                }
            }
        }, "dropping-collector");
        t.setDaemon(true);
        t.start();
        return heads;
    }

    private static String head(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            for (int c; (c = in.read()) >= 0 && b.size() < 8192; ) {
                b.write(c);
                if (b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // what came is enough
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aKeyReleaseReachesTheCollectorsAtMostTwicePerCall() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> heads = dropAfterReading(server);
            CollectorClient client = new CollectorClient(new AgentConfig(URI.create("http://127.0.0.1:" + server.getLocalPort()), null, "bmagt_test"), 3000);
            CollectorException e = assertThrows(CollectorException.class, () -> client.recoveryPassword(KEY_ID));
            assertTrue(e.retryable(), "a broken connection is worth the agent's own retry: " + e.getMessage());
            Thread.sleep(300); // a third send would have arrived by now
            // exactly the JDK's one resend; if a JDK stops resending, TwoCollectorsTest's bound can tighten
            assertEquals(2, heads.size(), "requests the collector saw: " + heads);
            assertTrue(heads.get(heads.size() - 1).startsWith("GET /api/v1/keys/" + KEY_ID + " "), heads.get(0));
        }
    }

    @Test
    void aReportIsSentOnceToo() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> heads = dropAfterReading(server);
            CollectorClient client = new CollectorClient(new AgentConfig(URI.create("http://127.0.0.1:" + server.getLocalPort()), null, "bmagt_test"), 3000);
            assertThrows(CollectorException.class, () -> client.sendReport(Reports.bytes(Reports.report("ONCE-PC", "SN", "fixed", "2024-07-19T06:00:00Z"))));
            Thread.sleep(300); // a second send would have arrived by now
            assertEquals(1, heads.size(), "requests the collector saw: " + heads);
            assertTrue(heads.get(0).startsWith("POST /api/v1/reports "), heads.get(0));
        }
    }
}
