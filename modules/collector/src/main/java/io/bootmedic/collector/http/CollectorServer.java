package io.bootmedic.collector.http;

import io.bootmedic.collector.CollectorDir;
import io.bootmedic.collector.KnownKeys;
import io.bootmedic.collector.MasterKey;
import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.AuditLog;
import io.bootmedic.collector.store.CrashQueries;
import io.bootmedic.collector.store.Database;
import io.bootmedic.collector.store.FleetQueries;
import io.bootmedic.collector.store.KeyEscrow;
import io.bootmedic.collector.store.MachineTokens;
import io.bootmedic.collector.store.PlaybookStore;
import io.bootmedic.collector.store.RateBuckets;
import io.bootmedic.collector.store.ReportStore;
import io.bootmedic.collector.store.Revocations;
import io.bootmedic.collector.store.SessionStore;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;

/**
 * The collector service on Jetty 12 (core API, no servlets): the API of docs/design.md §8, the
 * dashboard, /healthz and /metrics, over HTTPS with the certificate from {@code collector init}.
 * Jetty was chosen because it is maintained and made for exposure to many clients: it parses
 * requests without holding a thread, and has idle timeouts, connection limits, header size
 * limits and minimum body data rates; {@link SlowClientGuard} adds a handshake-and-header deadline.
 */
public final class CollectorServer implements AutoCloseable {
    /** Held so the setting stays: Jetty's INFO lines at every start would bury the collector's own. */
    private static final java.util.logging.Logger JETTY_LOG = java.util.logging.Logger.getLogger("org.eclipse.jetty");

    static {
        JETTY_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** How the service is set up; {@code keystore} null means plain HTTP (behind a TLS-terminating proxy). */
    /** @param trustedKeys the folder of *.pub keys publishing a playbook needs (DIR/trusted-keys); null: publishing is refused */
    /** @param readinessPerMinute readiness reports accepted per token per minute (a fleet's staging shares one token) */
    public record Settings(InetSocketAddress address, KeyStore keystore, char[] keystorePassword, Tokens tokens, MasterKey masterKey,
                           Path accessLog, int keyReleasesPerMinute, int threads, Limits limits, Path trustedKeys, int readinessPerMinute) {
        /** Readiness reports per token per minute unless {@code serve --readiness-rate} says otherwise. */
        public static final int READINESS_PER_MINUTE = 600;

        public Settings(InetSocketAddress address, KeyStore keystore, char[] keystorePassword, Tokens tokens, MasterKey masterKey,
                        Path accessLog, int keyReleasesPerMinute, int threads, Limits limits, Path trustedKeys) {
            this(address, keystore, keystorePassword, tokens, masterKey, accessLog, keyReleasesPerMinute, threads, limits, trustedKeys, READINESS_PER_MINUTE);
        }

        public Settings(InetSocketAddress address, KeyStore keystore, char[] keystorePassword, Tokens tokens, MasterKey masterKey,
                        Path accessLog, int keyReleasesPerMinute, int threads) {
            this(address, keystore, keystorePassword, tokens, masterKey, accessLog, keyReleasesPerMinute, threads, Limits.DEFAULT);
        }

        public Settings(InetSocketAddress address, KeyStore keystore, char[] keystorePassword, Tokens tokens, MasterKey masterKey,
                        Path accessLog, int keyReleasesPerMinute, int threads, Limits limits) {
            this(address, keystore, keystorePassword, tokens, masterKey, accessLog, keyReleasesPerMinute, threads, limits, null);
        }

        public Settings withTrustedKeys(Path dir) {
            return new Settings(address, keystore, keystorePassword, tokens, masterKey, accessLog, keyReleasesPerMinute, threads, limits, dir,
                    readinessPerMinute);
        }

        public Settings withLimits(Limits l) {
            return new Settings(address, keystore, keystorePassword, tokens, masterKey, accessLog, keyReleasesPerMinute, threads, l, trustedKeys,
                    readinessPerMinute);
        }

        public Settings withReadinessRate(int perMinute) {
            return new Settings(address, keystore, keystorePassword, tokens, masterKey, accessLog, keyReleasesPerMinute, threads, limits, trustedKeys,
                    perMinute);
        }
    }

    /**
     * What one client may take. {@code headerMillis}: from connecting (or the end of the previous
     * answer) to a complete request head, TLS handshake included; {@code idleMillis}: silence on a
     * connection; {@code minBodyBytesPerSecond}: a request body slower than this is cut off.
     */
    public record Limits(int maxConnections, long headerMillis, long idleMillis, int maxHeaderBytes, long minBodyBytesPerSecond) {
        public static final Limits DEFAULT = new Limits(2000, 10_000, 30_000, 16 * 1024, 4096);

        public Limits withMaxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("--max-connections must be at least 1");
            }
            return new Limits(n, headerMillis, idleMillis, maxHeaderBytes, minBodyBytesPerSecond);
        }
    }

    /** TLS 1.2 with AEAD suites only (GCM, ChaCha20-Poly1305, forward secret), and TLS 1.3. */
    static final String[] CIPHER_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"};

    private final Server server;
    private final ServerConnector connector;
    private final AccessLog accessLog;
    private final SlowClientGuard guard;
    private final Runnable onStop;

    private CollectorServer(Server server, ServerConnector connector, AccessLog accessLog, SlowClientGuard guard, Runnable onStop) {
        this.server = server;
        this.connector = connector;
        this.accessLog = accessLog;
        this.guard = guard;
        this.onStop = onStop;
    }

    public static CollectorServer start(Settings s, Database db) throws IOException {
        Limits limits = s.limits();
        // request threads plus Jetty's own (acceptor, selectors, reserved): the pool never starves its I/O
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(8, s.threads()) + 12, 4);
        threads.setName("collector-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        server.setStopTimeout(5000);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setResponseHeaderSize(16 * 1024);
        http.setIdleTimeout(limits.idleMillis());
        http.setMinRequestDataRate(limits.minBodyBytesPerSecond());
        http.setHttpCompliance(HttpCompliance.RFC9110);
        ConnectionFactory[] factories;
        if (s.keystore() != null) {
            http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false)); // agents connect by IP: no SNI to check
            factories = new ConnectionFactory[]{new SslConnectionFactory(tls(s), "http/1.1"), new HttpConnectionFactory(http)};
        } else {
            factories = new ConnectionFactory[]{new HttpConnectionFactory(http)};
        }
        ServerConnector connector = new ServerConnector(server, 1, 1, factories);
        connector.setHost(s.address().getHostString());
        connector.setPort(s.address().getPort());
        connector.setIdleTimeout(limits.idleMillis());
        connector.setAcceptQueueSize(1024);
        connector.setReuseAddress(true);
        SlowClientGuard guard = new SlowClientGuard(limits.headerMillis());
        connector.addBean(guard);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));

        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowMessageInTitle(false);
        server.setErrorHandler(errors);

        AccessLog log = new AccessLog(s.accessLog());
        Metrics metrics = new Metrics();
        AuditLog audit = new AuditLog(db);
        FleetQueries fleet = new FleetQueries(db);
        RateBuckets buckets = new RateBuckets(db);
        // the playbook keys the fleet should trust sit in the collector's folder (beside its access log)
        Path keyDir = s.accessLog() == null ? null : s.accessLog().toAbsolutePath().getParent().resolve(CollectorDir.TRUSTED_KEYS);
        ReadinessRoutes readiness = new ReadinessRoutes(new io.bootmedic.collector.store.ReadinessStore(db), () -> KnownKeys.in(keyDir), metrics,
                new RateLimiter(buckets, "readiness", s.readinessPerMinute()));
        PlaybookStore playbooks = new PlaybookStore(db);
        MachineTokens machines = new MachineTokens(db);
        ApiRoutes api = new ApiRoutes(new ReportStore(db), fleet, new KeyEscrow(db, s.masterKey(), audit), audit, metrics,
                new RateLimiter(buckets, "key", s.keyReleasesPerMinute()), readiness,
                new PlaybookRoutes(playbooks, s.trustedKeys() != null ? s.trustedKeys() : keyDir, metrics),
                new EnrolRoutes(machines, metrics, new RateLimiter(buckets, "enrol", s.readinessPerMinute())),
                new KeyGate(s.tokens()::enrolmentOnly, playbooks::firstMatching), new CrashQueries(db));
        Sessions sessions = new Sessions(new SessionStore(db));
        Dashboard dashboard = new Dashboard(fleet, audit, sessions, s.tokens(), s.keystore() != null,
                new RateLimiter(buckets, "login", Dashboard.LOGINS_PER_MINUTE), readiness, playbooks, machines, new CrashQueries(db));
        // bodies in memory at once: enough for the bench's 1,000 stalled uploads and a burst of reports, far below the heap
        BodyReader bodies = new BodyReader(limits.headerMillis(), limits.minBodyBytesPerSecond(), 256L << 20);
        Router router = new Router(s.tokens(), new Revocations(db), sessions, api, dashboard, metrics, log, guard, bodies, machines);
        server.setHandler(new GracefulHandler(router));
        try {
            server.start();
        } catch (IOException e) {
            guard.close();
            stopQuietly(server);
            if (e.getCause() instanceof java.net.BindException || e instanceof java.net.BindException) {
                throw new IOException("cannot listen on " + s.address().getHostString() + ":" + s.address().getPort() + " (" + e.getMessage()
                        + "): is another collector running there? Stop it or choose another --port.", e);
            }
            throw e;
        } catch (Exception e) {
            guard.close();
            stopQuietly(server);
            throw new IOException("cannot start the collector's HTTP server: " + e.getMessage(), e);
        }
        return new CollectorServer(server, connector, log, guard, () -> { });
    }

    private static SslContextFactory.Server tls(Settings s) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(s.keystore());
        tls.setKeyStorePassword(new String(s.keystorePassword()));
        tls.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        tls.setExcludeCipherSuites(); // the include list below is the whole policy
        tls.setIncludeCipherSuites(CIPHER_SUITES);
        tls.setRenegotiationAllowed(false);
        tls.setSniRequired(false);
        tls.setEndpointIdentificationAlgorithm(null);
        return tls;
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // it did not start
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Stops taking connections, lets requests in flight finish (up to {@code graceSeconds}), then stops. */
    public void stop(int graceSeconds) {
        server.setStopTimeout(Math.max(1, graceSeconds) * 1000L);
        stopQuietly(server);
        guard.close();
        onStop.run();
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
}
