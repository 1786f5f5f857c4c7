package io.bootmedic.collector;

import com.sun.net.httpserver.HttpServer;
import io.bootmedic.collector.client.Backoff;
import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.ReportUploader;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15, "agents back off politely": jittered exponential backoff that honours 429/503 and Retry-After. */
class AgentBackoffTest {
    /** A stand-in collector: the first {@code busy} answers are {@code status} with {@code retryAfter} (null: none), then 201. */
    private static HttpServer stub(int busy, int status, String retryAfter, AtomicInteger calls) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            int n = calls.incrementAndGet();
            byte[] body;
            if (n <= busy) {
                if (retryAfter != null) {
                    ex.getResponseHeaders().set("Retry-After", retryAfter);
                }
                body = "{\"error\":\"busy\"}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, body.length);
            } else {
                body = "{\"runId\":\"x\",\"status\":\"created\"}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(201, body.length);
            }
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }

    private static List<Long> upload(HttpServer s, long seed) throws Exception {
        List<Long> sleeps = new ArrayList<>();
        CollectorClient client = new CollectorClient(new AgentConfig(URI.create("http://127.0.0.1:" + s.getAddress().getPort()), null, "bmagt_x"), 5000);
        ReportUploader.Outcome o = new ReportUploader(client, 600_000, sleeps::add, new SplittableRandom(seed))
                .send("{}".getBytes(StandardCharsets.UTF_8), Path.of("r.json"), m -> { });
        assertTrue(o.sent(), String.valueOf(o.error()));
        return sleeps;
    }

    @Test
    void a503WithRetryAfterIsWaitedOutWithJitterThenSent() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = stub(3, 503, "7", calls);
        try {
            List<Long> sleeps = upload(s, 1);
            assertEquals(4, calls.get(), "retried after each 503 until it was stored");
            assertEquals(3, sleeps.size());
            for (long ms : sleeps) {
                assertTrue(ms >= 7000 && ms <= 7000 + 1400, "Retry-After: 7 is honoured, with at most a fifth more: " + sleeps);
            }
            assertTrue(new HashSet<>(sleeps).size() > 1, "jittered: agents told the same Retry-After do not return together: " + sleeps);
        } finally {
            s.stop(0);
        }
    }

    @Test
    void a429IsRetriedToo() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = stub(1, 429, "2", calls);
        try {
            List<Long> sleeps = upload(s, 2);
            assertEquals(2, calls.get());
            assertTrue(sleeps.get(0) >= 2000, sleeps.toString());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void withoutRetryAfterTheWaitsGrowExponentiallyAndSpreadAcrossAgents() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = stub(5, 503, null, calls);
        List<Long> first;
        try {
            first = upload(s, 3);
        } finally {
            s.stop(0);
        }
        assertEquals(5, first.size());
        for (int i = 0; i < first.size(); i++) {
            long ceiling = 500L << i;
            assertTrue(first.get(i) >= ceiling / 2 && first.get(i) <= ceiling, "try " + i + ": between half and all of " + ceiling + ": " + first);
        }
        // two agents with their own randomness wait differently
        Backoff x = new Backoff(500, 30_000, new SplittableRandom(10));
        Backoff y = new Backoff(500, 30_000, new SplittableRandom(11));
        boolean differ = false;
        for (int i = 0; i < 5; i++) {
            differ |= x.next(-1) != y.next(-1);
        }
        assertTrue(differ);
        Backoff capped = new Backoff(500, 30_000, new SplittableRandom(12));
        for (int i = 0; i < 40; i++) {
            assertTrue(capped.next(-1) <= 30_000, "capped");
        }
    }
}
