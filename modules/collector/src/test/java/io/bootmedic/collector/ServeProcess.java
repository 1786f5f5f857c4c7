package io.bootmedic.collector;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bootmedic collector serve} in a JVM of its own, as in production, so a test can kill it
 * for real. {@code -Dbootmedic.test.collectorJar=FILE} runs another build's collector instead of
 * the test classpath's.
 */
final class ServeProcess {
    private ServeProcess() {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code collector serve --dir DIR --port PORT --bind 127.0.0.1 EXTRA…}; returns once it listens (90 s at most). */
    static Process start(Path dir, int port, Path log, String... extra) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx384m"));
        String jar = System.getProperty("bootmedic.test.collectorJar");
        command.addAll(jar != null ? List.of("-jar", jar) : List.of("-cp", System.getProperty("java.class.path"), "io.bootmedic.cli.Main"));
        command.addAll(List.of("collector", "serve", "--dir", dir.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1"));
        command.addAll(List.of(extra));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("listening on")) {
                return p;
            }
            if (!p.isAlive()) {
                throw new AssertionError("collector serve ended: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("collector serve did not start in 90 s: " + Files.readString(log));
    }
}
