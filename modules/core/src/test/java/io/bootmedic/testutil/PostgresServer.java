package io.bootmedic.testutil;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server on loopback, started once per test JVM by scripts/test/postgres-server.sh
 * and stopped when the JVM exits. Each caller gets a fresh database.
 */
public final class PostgresServer {
    private static String baseUrl;
    private static String unavailable;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private PostgresServer() {
    }

    /** Why no server can run here, or null when one can (PostgreSQL installed). */
    public static synchronized String unavailableReason() {
        if (baseUrl == null && unavailable == null) {
            start();
        }
        return unavailable;
    }

    /** A JDBC URL of a new, empty database. */
    public static synchronized String newDatabase() throws Exception {
        if (unavailableReason() != null) {
            throw new IllegalStateException(unavailable);
        }
        String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return baseUrl.replace("/collector?", "/" + name + "?");
    }

    private static void start() {
        Path script = Path.of("scripts/test/postgres-server.sh").toAbsolutePath();
        try {
            Path dir = Files.createTempDirectory("bootmedic-pg");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Tools.Result r = Tools.run(List.of("bash", script.toString(), "start", dir.toString(), String.valueOf(port)));
            if (r.exit() == 3) {
                unavailable = "PostgreSQL is not installed (scripts/setup-debian.sh installs it): " + r.out().strip();
                return;
            }
            if (r.exit() != 0) {
                throw new AssertionError("the test PostgreSQL server did not start:\n" + r.out());
            }
            String[] lines = r.out().strip().split("\n");
            baseUrl = lines[lines.length - 1].strip();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Tools.run(List.of("bash", script.toString(), "stop", dir.toString()));
                    Tools.run(List.of("rm", "-rf", dir.toString()));
                } catch (IOException | InterruptedException e) {
                    // the JVM is going away
                }
            }));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot start the test PostgreSQL server: " + e, e);
        }
    }
}
