package io.bootmedic.collector.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.bootmedic.collector.MasterKey;
import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.AuditLog;
import io.bootmedic.collector.store.Database;
import io.bootmedic.collector.store.FleetQueries;
import io.bootmedic.collector.store.KeyEscrow;
import io.bootmedic.collector.store.ReportStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The collector service on the JDK's own HTTP server: the API of DESIGN §7, the dashboard,
 * /healthz and /metrics, over HTTPS with the certificate from {@code collector init}.
 */
public final class CollectorServer implements AutoCloseable {
    /** How the service is set up; {@code keystore} null means plain HTTP (behind a TLS-terminating proxy). */
    public record Settings(InetSocketAddress address, KeyStore keystore, char[] keystorePassword, Tokens tokens, MasterKey masterKey,
                           Path accessLog, int keyReleasesPerMinute, int threads) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final AccessLog accessLog;

    private CollectorServer(HttpServer server, ExecutorService executor, AccessLog accessLog) {
        this.server = server;
        this.executor = executor;
        this.accessLog = accessLog;
    }

    public static CollectorServer start(Settings s, Database db) throws IOException {
        // without TCP_NODELAY the server's separate header and body writes meet delayed ACKs: 40 ms per keep-alive request
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server;
        try {
            if (s.keystore() != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(s.keystore(), s.keystorePassword());
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(kmf.getKeyManagers(), null, null);
                HttpsServer https = HttpsServer.create(s.address(), 1024);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
            } else {
                server = HttpServer.create(s.address(), 1024);
            }
        } catch (java.net.BindException e) {
            throw new IOException("cannot listen on " + s.address().getHostString() + ":" + s.address().getPort() + " (" + e.getMessage()
                    + "): is another collector running there? Stop it or choose another --port.", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot set up TLS with the collector's certificate: " + e.getMessage(), e);
        }
        AccessLog log = new AccessLog(s.accessLog());
        Metrics metrics = new Metrics();
        AuditLog audit = new AuditLog(db);
        FleetQueries fleet = new FleetQueries(db);
        ApiRoutes api = new ApiRoutes(new ReportStore(db), fleet, new KeyEscrow(db, s.masterKey(), audit), audit, metrics,
                new RateLimiter(s.keyReleasesPerMinute()));
        Sessions sessions = new Sessions();
        Dashboard dashboard = new Dashboard(fleet, audit, sessions, s.tokens(), s.keystore() != null);
        Router router = new Router(s.tokens(), sessions, api, dashboard, metrics, log);
        server.createContext("/", router);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(s.threads(), r -> {
            Thread t = new Thread(r, "collector-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new CollectorServer(server, executor, log);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops taking connections, lets requests in flight finish (up to {@code graceSeconds}), then stops. */
    public void stop(int graceSeconds) {
        server.stop(graceSeconds);
        executor.shutdown();
        try {
            executor.awaitTermination(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            accessLog.close();
        } catch (IOException e) {
            // nothing more to write
        }
    }

    @Override
    public void close() {
        stop(2);
    }

    static String path(HttpExchange ex) {
        return ex.getRequestURI().getRawPath();
    }
}
