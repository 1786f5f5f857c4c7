package io.bootmedic.cli;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21 #3: a collector on a closed port is "cannot reach the collector at URL: connection
 * refused" in every command that talks to it, not "java.net.ConnectException: Connection refused".
 */
class NoClassNamesTest {
    static final Pattern CLASS_NAME = Pattern.compile("\\b(java|javax|sun|jdk|org|com|io)\\.[a-z0-9_.]*[A-Z]\\w*|Exception");

    @TempDir
    Path tmp;
    String url;
    Path conf;

    @BeforeEach
    void closedPort() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        url = "https://127.0.0.1:" + port;
        conf = Files.writeString(tmp.resolve("agent.conf"), "collector.url=" + url + "\ncollector.token=t0ken\ncollector.retrySeconds=0\n");
    }

    private void assertWords(Cli run) {
        assertFalse(CLASS_NAME.matcher(run.out + run.err).find(), run.toString());
        assertTrue((run.out + run.err).contains("cannot reach the collector at " + url + ": connection refused"), run.toString());
    }

    @Test
    void reportUploadToAClosedPort() throws IOException {
        Path outbox = Files.createDirectories(tmp.resolve("outbox"));
        Files.writeString(outbox.resolve("0b9c2a55-2d1b-4f7e-9c1a-1f0e0d0c0b0a.json"), "{}");
        Cli run = Cli.run("report", "upload", "--outbox", outbox.toString(), "--config", conf.toString(), "--retry-seconds", "0");
        assertEquals(1, run.exit, run.toString());
        assertWords(run);
    }

    @Test
    void readinessToAClosedPort() {
        Cli run = Cli.run("readiness", "--config", conf.toString(), "--winre-state", "enabled", "--winre-free-bytes", "100000000", "--computer-name", "PC1");
        assertEquals(1, run.exit, run.toString());
        assertWords(run);
    }

    @Test
    void fixWithCollectorPlaybooksAndReportToAClosedPort() throws IOException {
        Path root = tmp.resolve("c");
        PracticeTree.create(root);
        Cli run = Cli.run("fix", "--root", root.toString(), "--config", conf.toString(), "--collector-playbooks");
        assertEquals(0, run.exit, run.toString());
        assertWords(run);
        assertTrue(run.err.contains("the report was not sent"), run.err);
    }

    @Test
    void anUnexplainedJdkExceptionReachingTheCommandLineIsPutInWords() {
        assertEquals("bootmedic: /srv/state.json: permission denied", Main.line(new UncheckedIOException(new AccessDeniedException("/srv/state.json"))));
        assertEquals("bootmedic: connection refused", Main.line(new RuntimeException(new java.net.ConnectException("Connection refused"))));
        assertFalse(CLASS_NAME.matcher(Main.line(new IllegalStateException())).find());
    }
}
