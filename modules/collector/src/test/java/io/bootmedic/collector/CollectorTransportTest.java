package io.bootmedic.collector;

import io.bootmedic.collector.http.CollectorServer;
import io.bootmedic.collector.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15 #1 and #10: the collector's TLS policy, its connection limit, header deadline and header size limit. */
class CollectorTransportTest {
    @TempDir
    Path tmp;

    private CollectorServer start(Database db, CollectorDir dir, CollectorServer.Limits limits) throws Exception {
        char[] pass = dir.keystorePasswordChars();
        KeyStore ks = dir.loadKeystore(pass);
        return CollectorServer.start(new CollectorServer.Settings(new InetSocketAddress("127.0.0.1", 0), ks, pass, Tokens.load(dir.tokens()),
                MasterKey.load(dir.masterKey()), null, 60, 4, limits), db);
    }

    private static SSLSocket tls(int port, String protocol, String... suites) throws Exception {
        SSLSocket s = (SSLSocket) TestCollector.trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        s.setEnabledProtocols(new String[]{protocol});
        if (suites.length > 0) {
            s.setEnabledCipherSuites(suites);
        }
        return s;
    }

    private static String healthz(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] buf = new byte[4096];
        int n = s.getInputStream().read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
    }

    @Test
    void onlyTls13AndTls12WithAeadSuitesAndNoRenegotiation() throws Exception {
        CollectorDir dir = new CollectorDir(tmp.resolve("c"));
        CollectorInit.run(dir, URI.create("https://127.0.0.1:8443"), Set.of());
        try (Database db = Database.sqliteIn(dir.dir()); CollectorServer server = start(db, dir, CollectorServer.Limits.DEFAULT)) {
            int port = server.port();
            try (SSLSocket s = tls(port, "TLSv1.3")) {
                assertTrue(healthz(s).startsWith("HTTP/1.1 200"));
            }
            try (SSLSocket s = tls(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
                assertTrue(healthz(s).startsWith("HTTP/1.1 200"));
            }
            for (String cbc : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
                    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")) {
                try (SSLSocket s = tls(port, "TLSv1.2", cbc)) {
                    assertThrows(IOException.class, s::startHandshake, cbc + " must not be offered");
                }
            }
            // a client-started renegotiation is refused: the connection does not serve another request
            try (SSLSocket s = tls(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
                assertTrue(healthz(s).startsWith("HTTP/1.1 200"));
                boolean refused;
                try {
                    s.startHandshake();
                    refused = !healthz(s).startsWith("HTTP/1.1 200");
                } catch (IOException e) {
                    refused = true;
                }
                assertTrue(refused, "renegotiation must not be accepted");
            }
        }
    }

    @Test
    void connectionsAreLimitedSlowHeadsAreCutOffAndHugeHeadersRefused() throws Exception {
        CollectorDir dir = new CollectorDir(tmp.resolve("c"));
        CollectorInit.run(dir, URI.create("https://127.0.0.1:8443"), Set.of());
        CollectorServer.Limits limits = new CollectorServer.Limits(4, 1500, 30_000, 8 * 1024, 4096);
        try (Database db = Database.sqliteIn(dir.dir()); CollectorServer server = start(db, dir, limits)) {
            int port = server.port();
            try (SSLSocket s = tls(port, "TLSv1.3")) {
                OutputStream out = s.getOutputStream();
                out.write(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[200];
                int n = s.getInputStream().read(buf);
                assertTrue(new String(buf, 0, Math.max(0, n), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 431"), "a head over the limit is refused");
            }

            // four clients that never finish their request head fill the limit ...
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.getOutputStream().write(0x16);
                slow.add(s);
            }
            Thread.sleep(300);
            // ... so a fifth is not served while they are open ...
            SSLSocket fifth = tls(port, "TLSv1.3");
            fifth.setSoTimeout(700);
            assertThrows(SocketTimeoutException.class, fifth::startHandshake, "the connection limit holds");
            fifth.close();
            // ... but the header deadline cuts them off (they send a byte every 200 ms: the idle timeout alone would never fire)
            long start = System.nanoTime();
            boolean allClosed = false;
            while (!allClosed && System.nanoTime() - start < 5_000_000_000L) {
                allClosed = true;
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write(0);
                        s.setSoTimeout(1);
                        InputStream in = s.getInputStream();
                        if (in.read() != -1) {
                            allClosed = false;
                        }
                    } catch (SocketTimeoutException e) {
                        allClosed = false;
                    } catch (IOException e) {
                        // closed by the collector
                    }
                }
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(allClosed, "slow request heads are closed after the deadline");
            assertTrue(seconds < 4, "within the 1.5 s deadline plus a sweep: " + seconds);
            for (Socket s : slow) {
                s.close();
            }
            try (SSLSocket s = tls(port, "TLSv1.3")) {
                assertTrue(healthz(s).startsWith("HTTP/1.1 200"), "served again once the slow ones are gone");
            }
        }
    }
}
