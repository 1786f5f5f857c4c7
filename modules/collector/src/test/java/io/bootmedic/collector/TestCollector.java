package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.http.CollectorServer;
import io.bootmedic.collector.store.Database;
import io.bootmedic.util.Json;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A collector made by init and started in-process on a free loopback port, with raw HTTP helpers for tests. */
public final class TestCollector implements AutoCloseable {
    public final CollectorDir dir;
    public final CollectorInit.Created created;
    public final Database db;
    public final CollectorServer server;
    public final URI url;

    public record Response(int status, String body, Map<String, java.util.List<String>> headers) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        public Map<String, Object> json() throws java.io.IOException {
            return Json.readObject(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private TestCollector(CollectorDir dir, CollectorInit.Created created, Database db, CollectorServer server) {
        this.dir = dir;
        this.created = created;
        this.db = db;
        this.server = server;
        this.url = URI.create("https://127.0.0.1:" + server.port());
    }

    /** Raw HTTP helpers for a server started elsewhere on {@code dir} (no init tokens known). */
    public static TestCollector wrap(CollectorDir dir, CollectorServer server, Database db) {
        return new TestCollector(dir, null, db, server);
    }

    /** {@code jdbcUrl} null: SQLite in the folder. */
    public static TestCollector start(Path folder, String jdbcUrl, int keyRate) throws Exception {
        return start(folder, jdbcUrl, keyRate, s -> s);
    }

    /** With the given per-client limits (short deadlines for the slow-client tests). */
    public static TestCollector start(Path folder, String jdbcUrl, int keyRate, CollectorServer.Limits limits) throws Exception {
        return start(folder, jdbcUrl, keyRate, s -> s.withLimits(limits));
    }

    /** As {@link #start(Path, String, int)}, with the server's settings changed by {@code settings} (a limit, say). */
    public static TestCollector start(Path folder, String jdbcUrl, int keyRate, java.util.function.UnaryOperator<CollectorServer.Settings> settings)
            throws Exception {
        CollectorDir dir = new CollectorDir(folder);
        CollectorInit.Created created = CollectorInit.run(dir, URI.create("https://127.0.0.1:8443"), Set.of());
        Database db = jdbcUrl == null ? Database.sqliteIn(folder) : Database.open(jdbcUrl, null, null);
        ServedDatabase.of(jdbcUrl, null, null).record(dir); // as 'collector serve' does: 'token revoke' goes there
        char[] pass = dir.keystorePasswordChars();
        KeyStore ks = dir.loadKeystore(pass);
        CollectorServer server = CollectorServer.start(settings.apply(new CollectorServer.Settings(new InetSocketAddress("127.0.0.1", 0), ks, pass,
                Tokens.load(dir.tokens()), MasterKey.load(dir.masterKey()), dir.accessLog(), keyRate, 8).withTrustedKeys(dir.trustedKeys())), db);
        return new TestCollector(dir, created, db, server);
    }

    public AgentConfig agentConfig() throws Exception {
        return AgentConfig.read(dir.agentConf()).withUrl(url);
    }

    public CollectorClient agentClient() throws Exception {
        return new CollectorClient(agentConfig(), 5000);
    }

    public CollectorClient adminClient() throws Exception {
        return new CollectorClient(new AgentConfig(url, created.pin(), created.adminToken()), 5000);
    }

    /** A request with an optional bearer token; the certificate is pinned as agents do. */
    public Response request(String method, String path, String token, byte[] body) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL(url + path).openConnection();
        c.setSSLSocketFactory(trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setInstanceFollowRedirects(false);
        c.setRequestMethod(method);
        if (token != null) {
            c.setRequestProperty("Authorization", "Bearer " + token);
        }
        if (body != null) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            } catch (java.io.IOException e) {
                // the server may answer and close before reading a large body
            }
        }
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Response(status, text, c.getHeaderFields());
    }

    static SSLContext trustAll() throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[]{new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return tls;
    }

    @Override
    public void close() {
        server.stop(0);
        db.close();
    }
}
