package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorWait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounded wait for the network in WinRE, against a real closed port, a real collector and a name that never resolves. */
class CollectorWaitTest {
    @TempDir
    Path tmp;

    @Test
    void aRealCollectorIsReachableAtOnce() throws Exception {
        try (TestCollector c = TestCollector.start(tmp.resolve("c"), null, 5)) {
            List<String> said = new ArrayList<>();
            long t0 = System.nanoTime();
            assertEquals(CollectorWait.Result.REACHABLE, CollectorWait.system().await(c.url, 10_000, said::add));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, "no waiting when it answers");
            assertTrue(said.isEmpty(), said.toString());
        }
    }

    @Test
    void aClosedPortEndsTheWaitAtOnceNotAfterTheBudget() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> said = new ArrayList<>();
        long t0 = System.nanoTime();
        assertEquals(CollectorWait.Result.REFUSED, CollectorWait.system().await(URI.create("https://127.0.0.1:" + port), 30_000, said::add));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000, "a refusal means the network is up and nothing listens: no point waiting 30 s");
        assertTrue(said.get(said.size() - 1).contains("refused") && said.get(said.size() - 1).contains("going on without it"), said.toString());
    }

    @Test
    void noAnswerGivesUpWhenTheBudgetIsSpent() {
        List<String> said = new ArrayList<>();
        long t0 = System.nanoTime();
        // .invalid never resolves (RFC 6761): like WinRE before DHCP and DNS are up
        CollectorWait.Result r = CollectorWait.system().await(URI.create("https://collector.bootmedic.invalid:8443"), 2500, said::add);
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(CollectorWait.Result.GAVE_UP, r);
        assertTrue(took >= 2400 && took < 8000, "bounded by the budget, took " + took + " ms");
        assertTrue(said.get(0).contains("waiting up to 2 s"), said.toString());
        assertTrue(said.get(said.size() - 1).contains("did not answer within 2 s"), said.toString());
    }
}
