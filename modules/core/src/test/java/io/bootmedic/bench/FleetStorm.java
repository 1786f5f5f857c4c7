package io.bootmedic.bench;

import io.bootmedic.collector.AgentConfig;
import io.bootmedic.collector.client.Backoff;
import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import io.bootmedic.collector.client.ServedPlaybook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookKeys;
import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.playbook.VerifyingKey;
import io.bootmedic.report.Report;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.net.ssl.HttpsURLConnection;

/**
 * The incident storm of issue #17 on loopback: N armed machines in WinRE (in threads, not N JVMs)
 * poll the collector for active playbooks with the agent's jittered backoff, the playbook is
 * published, each machine verifies it with the agent's own signature check, a share fetches its
 * recovery password, and each posts its report. Every request is the agent's real client
 * ({@link CollectorClient}: one TLS connection per request and one TLS context per machine, as on
 * separate machines). Prints the time from publish to 50 %, 95 % and 100 % reported and the
 * latency percentiles of every request the storm made. Run by scripts/bench/fleet.sh.
 */
public final class FleetStorm {
    private enum Kind { POLL, KEY, REPORT }

    private final AgentConfig config;
    private final int machines;
    private final List<String> keyIds;
    private final List<VerifyingKey> trusted;
    private final long pollBaseMillis;
    private final long pollMaxMillis;
    private final ScheduledThreadPoolExecutor pool;
    private final long[][] latencies = new long[Kind.values().length][];
    private final AtomicInteger[] counts = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final AtomicLongArray reportedAt;
    private final AtomicInteger reported = new AtomicInteger();
    private final AtomicInteger keysReleased = new AtomicInteger();
    private final AtomicInteger refusedPlaybooks = new AtomicInteger();
    private final AtomicLong publishedAt = new AtomicLong(Long.MAX_VALUE);

    private FleetStorm(AgentConfig config, int machines, List<String> keyIds, List<VerifyingKey> trusted, long pollBaseMillis, long pollMaxMillis,
                       int threads) {
        this.config = config;
        this.machines = machines;
        this.keyIds = keyIds;
        this.trusted = trusted;
        this.pollBaseMillis = pollBaseMillis;
        this.pollMaxMillis = pollMaxMillis;
        this.pool = new ScheduledThreadPoolExecutor(threads);
        this.reportedAt = new AtomicLongArray(machines);
        for (Kind k : Kind.values()) {
            latencies[k.ordinal()] = new long[machines * 64]; // bounded: a machine that needs more requests than this is counted, not stored
        }
    }

    /** One armed machine: its identity, its backoff, and where it is in the storm. */
    private final class Machine implements Runnable {
        final int index;
        final String computerName;
        final String keyId;
        final Backoff backoff;
        final CollectorClient client;
        String publication;
        boolean haveKey;

        Machine(int index, long seed) throws IOException {
            this.index = index;
            this.computerName = String.format(Locale.ROOT, "FLEET-%05d", index);
            this.keyId = index < keyIds.size() ? keyIds.get(index) : null;
            this.backoff = new Backoff(pollBaseMillis, pollMaxMillis, new SplittableRandom(seed));
            this.client = new CollectorClient(config, 30_000);
        }

        @Override
        public void run() {
            try {
                if (publication == null) {
                    poll();
                } else if (keyId != null && !haveKey) {
                    fetchKey();
                } else {
                    report();
                }
            } catch (CollectorException e) {
                failures.computeIfAbsent(e.status() + (e.retryable() ? " (retried)" : ""), s -> new AtomicInteger()).incrementAndGet();
                if (!e.retryable()) {
                    return; // a refusal the agent would report, not retry
                }
                pool.schedule(this, backoff.next(e.retryAfterMillis()), TimeUnit.MILLISECONDS);
            } catch (IOException | RuntimeException e) {
                failures.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), s -> new AtomicInteger()).incrementAndGet();
            }
        }

        private void poll() throws IOException, PlaybookException {
            long t0 = System.nanoTime();
            List<ServedPlaybook> active = client.activePlaybooks(new Report.Host(serial(), null), computerName, Map.of());
            record(Kind.POLL, t0);
            for (ServedPlaybook p : active) {
                // the agent's own check: the collector is never trusted alone
                try {
                    PublishedPlaybook.verify(p.publication(), p.playbook(), p.signature(), trusted);
                    publication = p.publication();
                } catch (PlaybookException e) {
                    refusedPlaybooks.incrementAndGet();
                }
            }
            if (publication == null) {
                pool.schedule(this, backoff.next(-1), TimeUnit.MILLISECONDS);
            } else {
                pool.execute(this);
            }
        }

        private void fetchKey() throws CollectorException {
            long t0 = System.nanoTime();
            boolean found = client.recoveryPassword(keyId).isPresent();
            record(Kind.KEY, t0);
            if (!found) {
                failures.computeIfAbsent("404 (no escrowed key)", k -> new AtomicInteger()).incrementAndGet();
                return; // the agent would report the volume as waiting for a key
            }
            haveKey = true;
            keysReleased.incrementAndGet();
            pool.execute(this);
        }

        private void report() throws CollectorException {
            long t0 = System.nanoTime();
            client.sendReport(reportBody());
            record(Kind.REPORT, t0);
            reportedAt.set(index, System.currentTimeMillis());
            reported.incrementAndGet();
        }

        private String serial() {
            return String.format(Locale.ROOT, "FS-%05d", index);
        }

        private byte[] reportBody() {
            Map<String, Object> bitlocker = new LinkedHashMap<>();
            bitlocker.put("state", keyId == null ? "none" : "unlocked");
            bitlocker.put("recoveryKeyId", keyId == null ? null : "{" + keyId + "}");
            bitlocker.put("keySource", keyId == null ? null : "collector");
            bitlocker.put("recoveryPasswordUsed", keyId != null);
            Map<String, Object> action = new LinkedHashMap<>();
            action.put("rule", "storm-playbook/channel-file");
            action.put("path", "Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys");
            action.put("size", 40960);
            action.put("verdict", "faulty");
            action.put("action", "quarantined");
            Map<String, Object> volume = new LinkedHashMap<>();
            volume.put("volumeId", "vol-" + index);
            volume.put("fileSystem", "NTFS");
            volume.put("bitlocker", bitlocker);
            volume.put("windows", Map.of("computerName", computerName, "productName", "Windows 10 Enterprise", "build", "19045"));
            volume.put("journal", "bootmedic/journal/x.json");
            volume.put("actions", List.of(action));
            volume.put("outcome", "fixed");
            Map<String, Object> applied = new LinkedHashMap<>();
            applied.put("id", "storm");
            applied.put("version", "1");
            applied.put("source", "collector");
            applied.put("publication", publication);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("schema", "bootmedic.report/v1");
            r.put("runId", String.format(Locale.ROOT, "storm-%08x-%05d", publishedAt.get() & 0xffffffffL, index));
            r.put("agentVersion", "fleet-storm");
            String now = Instant.now().toString();
            r.put("startedAt", now);
            r.put("finishedAt", now);
            r.put("mode", "winpe");
            r.put("host", Map.of("biosSerial", serial()));
            r.put("outcome", "fixed");
            r.put("playbooks", List.of(applied));
            r.put("volumes", List.of(volume));
            return Json.write(r);
        }
    }

    private void record(Kind kind, long startNanos) {
        long micros = (System.nanoTime() - startNanos) / 1000;
        int i = counts[kind.ordinal()].getAndIncrement();
        if (i < latencies[kind.ordinal()].length && System.currentTimeMillis() >= publishedAt.get()) {
            latencies[kind.ordinal()][i] = micros;
        } else if (i < latencies[kind.ordinal()].length) {
            latencies[kind.ordinal()][i] = -1; // before the publish: not part of the storm's figures
        }
    }

    /** The publish, as `collector playbook publish` sends it (admin token), timed from here. */
    private static void publish(URI url, String adminToken, byte[] playbook, byte[] signature) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("playbook", Base64.getEncoder().encodeToString(playbook));
        body.put("signature", Base64.getEncoder().encodeToString(signature));
        body.put("scope", Map.of("kind", "all"));
        byte[] json = Json.write(body);
        HttpsURLConnection c = (HttpsURLConnection) URI.create(url.toString().replaceAll("/+$", "") + "/api/v1/playbooks").toURL().openConnection();
        // the bench's own admin call on loopback; every agent request goes through the pinned agent client
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        c.setSSLSocketFactory(tls.getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setRequestMethod("POST");
        c.setRequestProperty("Authorization", "Bearer " + adminToken);
        c.setRequestProperty("Content-Type", "application/json");
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
            out.write(json);
        }
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String answer = in == null ? "" : new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
        if (status != 201 && status != 200) {
            throw new IOException("publishing the storm's playbook failed (" + status + "): " + answer);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        AgentConfig config = AgentConfig.read(Path.of(a.get("--config")));
        String admin = Files.readString(Path.of(a.get("--admin-token-file")), StandardCharsets.US_ASCII).strip();
        Path playbook = Path.of(a.get("--playbook"));
        List<VerifyingKey> trusted = List.of(PlaybookKeys.readPublic(Path.of(a.get("--trusted-key"))));
        int n = Integer.parseInt(a.getOrDefault("--machines", "10000"));
        List<String> keyIds = a.containsKey("--keys") ? Files.readAllLines(Path.of(a.get("--keys"))).stream().filter(s -> !s.isBlank()).toList() : List.of();
        long settle = Long.parseLong(a.getOrDefault("--settle-seconds", "20")) * 1000;
        long deadline = Long.parseLong(a.getOrDefault("--deadline-seconds", "900")) * 1000;
        FleetStorm storm = new FleetStorm(config, n, keyIds, trusted, Long.parseLong(a.getOrDefault("--poll-base-ms", "5000")),
                Long.parseLong(a.getOrDefault("--poll-max-ms", "60000")), Integer.parseInt(a.getOrDefault("--threads", "400")));
        storm.run(playbook, admin, settle, deadline);
    }

    private void run(Path playbook, String admin, long settleMillis, long deadlineMillis) throws Exception {
        byte[] body = Files.readAllBytes(playbook);
        byte[] sig = Files.readAllBytes(playbook.resolveSibling(playbook.getFileName() + ".sig"));
        // the fleet is already in WinRE, asking, when the incident's playbook is published: starts spread over the settle time
        SplittableRandom random = new SplittableRandom(20240719);
        for (int i = 0; i < machines; i++) {
            pool.schedule(new Machine(i, random.nextLong()), random.nextLong(settleMillis), TimeUnit.MILLISECONDS);
        }
        Thread.sleep(settleMillis + pollBaseMillis);
        long t0 = System.currentTimeMillis();
        publishedAt.set(t0);
        publish(config.url(), admin, body, sig);
        System.out.printf(Locale.ROOT, "published at %s to %d machines polling (backoff %d..%d ms)%n", Instant.ofEpochMilli(t0), machines,
                pollBaseMillis, pollMaxMillis);
        long end = t0 + deadlineMillis;
        int lastShown = -1;
        while (reported.get() < machines && System.currentTimeMillis() < end) {
            Thread.sleep(1000);
            int now = reported.get();
            long secs = (System.currentTimeMillis() - t0) / 1000;
            if (secs % 15 == 0 && now != lastShown) {
                System.out.printf(Locale.ROOT, "  +%3d s: %d of %d reported%n", secs, now, machines);
                lastShown = now;
            }
        }
        pool.shutdownNow();
        summary(t0);
    }

    private void summary(long t0) {
        long[] times = new long[machines];
        int done = 0;
        for (int i = 0; i < machines; i++) {
            long at = reportedAt.get(i);
            if (at > 0) {
                times[done++] = at - t0;
            }
        }
        long[] sorted = Arrays.copyOf(times, done);
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "reported: %d of %d; keys released: %d; playbooks refused by the agents' own check: %d%n", done, machines,
                keysReleased.get(), refusedPlaybooks.get());
        System.out.printf(Locale.ROOT, "from publish to 50 %%: %s, 95 %%: %s, 100 %%: %s%n", at(sorted, machines, 0.50), at(sorted, machines, 0.95),
                at(sorted, machines, 1.0));
        List<Long> all = new ArrayList<>();
        for (Kind k : Kind.values()) {
            long[] l = storming(k);
            for (long v : l) {
                all.add(v);
            }
            System.out.printf(Locale.ROOT, "  %-6s %7d requests in the storm, p50 %s, p99 %s, max %s%n", k.name().toLowerCase(Locale.ROOT), l.length,
                    ms(l, 0.50), ms(l, 0.99), ms(l, 1.0));
        }
        long[] every = all.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "collector p99 during the storm (every request, as the agents saw it): %s%n", ms(every, 0.99));
        failures.forEach((why, count) -> System.out.printf(Locale.ROOT, "  answered %s: %d times%n", why, count.get()));
        System.out.printf(Locale.ROOT, "RESULT machines=%d reported=%d keys=%d p50_s=%s p95_s=%s p100_s=%s p99_ms=%s%n", machines, done, keysReleased.get(),
                seconds(sorted, machines, 0.50), seconds(sorted, machines, 0.95), seconds(sorted, machines, 1.0), ms(every, 0.99).replace(" ms", ""));
    }

    private long[] storming(Kind k) {
        int n = Math.min(counts[k.ordinal()].get(), latencies[k.ordinal()].length);
        return Arrays.stream(latencies[k.ordinal()], 0, n).filter(v -> v >= 0).sorted().toArray();
    }

    /** When share {@code q} of all machines had reported, or "not reached". */
    private static String at(long[] sorted, int total, double q) {
        String s = seconds(sorted, total, q);
        return s.equals("-") ? "not reached" : s + " s";
    }

    private static String seconds(long[] sorted, int total, double q) {
        int need = (int) Math.ceil(total * q);
        if (need == 0 || sorted.length < need) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f", sorted[need - 1] / 1000.0);
    }

    private static String ms(long[] sortedMicros, double q) {
        if (sortedMicros.length == 0) {
            return "-";
        }
        int i = Math.min(sortedMicros.length - 1, (int) Math.ceil(sortedMicros.length * q) - 1);
        return String.format(Locale.ROOT, "%.1f ms", sortedMicros[Math.max(0, i)] / 1000.0);
    }
}
