package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.http.CollectorServer;
import io.bootmedic.collector.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code serve --plain-http}, behind a TLS-terminating proxy: same API, no pin, cookies without Secure. */
class PlainHttpCollectorTest {
    @TempDir
    Path tmp;

    @Test
    void agentsReportOverPlainHttpAndTheSessionCookieIsNotMarkedSecure() throws Exception {
        CollectorDir dir = new CollectorDir(tmp.resolve("c"));
        CollectorInit.Created created = CollectorInit.run(dir, URI.create("https://127.0.0.1:8443"), Set.of());
        try (Database db = Database.sqliteIn(dir.dir());
             CollectorServer server = CollectorServer.start(new CollectorServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, null,
                     Tokens.load(dir.tokens()), MasterKey.load(dir.masterKey()), null, 60, 4), db)) {
            URI url = URI.create("http://127.0.0.1:" + server.port());
            CollectorClient agent = new CollectorClient(new AgentConfig(url, null, created.agentToken()), 5000);
            assertEquals(CollectorClient.Delivery.CREATED, agent.sendReport(Reports.bytes(Reports.report("PROXY-PC", "SN", "fixed", "2024-07-19T06:00:00Z"))));

            HttpURLConnection login = (HttpURLConnection) url.resolve("/login").toURL().openConnection();
            login.setInstanceFollowRedirects(false);
            login.setRequestMethod("POST");
            login.setDoOutput(true);
            login.getOutputStream().write(("token=" + created.adminToken()).getBytes(StandardCharsets.UTF_8));
            assertEquals(303, login.getResponseCode());
            String cookie = login.getHeaderField("Set-Cookie");
            assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
            assertFalse(cookie.contains("Secure"), "a Secure cookie would never come back over plain HTTP: " + cookie);
        }
    }
}
