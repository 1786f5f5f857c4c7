package io.bootmedic.winre;

import io.bootmedic.collector.AgentConfig;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real 'fix --winre' command line on a practice drive, as the WinRE launcher runs it, with a
 * collector that is down: the network wait ends at once, a repair counts down to a restart, and a
 * clean drive hands back to WinRE's menu without waiting.
 */
class FixWinReCliTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty("bootmedic.collector.retryMillis");
    }

    @Test
    void aRepairRestartsAndACleanDriveReturnsAtOnceEvenWithTheCollectorDown() throws Exception {
        System.setProperty("bootmedic.collector.retryMillis", "0");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = tmp.resolve("agent.conf");
        Files.writeString(conf, new AgentConfig(URI.create("https://127.0.0.1:" + port), null, "bmagt_test").text(), StandardCharsets.UTF_8);
        Path drive = tmp.resolve("c");
        Cli practice = Cli.run("practice-tree", drive.toString());
        assertEquals(0, practice.exit, practice.toString());
        Path outbox = tmp.resolve("outbox");
        String[] winre = {"fix", "--root", drive.toString(), "--winre", "--reboot", "1", "--outbox", outbox.toString(), "--config", conf.toString(),
            "--wait-network", "30"};

        long t0 = System.nanoTime();
        Cli fixed = Cli.run(winre);
        long fixedMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, fixed.exit, fixed.toString());
        assertTrue(fixed.err.contains("refused the connection") && fixed.err.contains("going on without it"), fixed.err);
        assertTrue(fixedMillis < 20_000, "a refused collector does not cost the 30 s wait: " + fixedMillis + " ms");
        String log = Files.readString(outbox.resolve("bootmedic.log"));
        assertTrue(log.contains("FIXED") && log.contains("Restarting in 1 s") && log.contains("the restart into Windows is left out"), log);
        assertTrue(fixed.err.contains("the report was not sent") && fixed.err.contains("waits in"), "the report waits for the collector: " + fixed.err);

        Files.writeString(outbox.resolve("bootmedic.log"), "");
        Cli clean = Cli.run(winre);
        assertEquals(0, clean.exit, clean.toString());
        String second = Files.readString(outbox.resolve("bootmedic.log"));
        assertTrue(second.contains("back to the Windows Recovery menu") && second.contains("(clean)"), second);
        assertFalse(second.contains("Restarting"), "no restart and no countdown when nothing was repaired: " + second);
    }

    @Test
    void theWaitIsBoundedOnTheCommandLine() {
        Cli tooLong = Cli.run("fix", "--root", tmp.toString(), "--winre", "--wait-network", "601", "--collector", "https://127.0.0.1:1");
        assertEquals(2, tooLong.exit, tooLong.toString());
        assertTrue(tooLong.err.contains("between 0 and 600 seconds"), tooLong.err);
    }
}
