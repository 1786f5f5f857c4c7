package io.bootmedic.collector.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters and a latency histogram in the Prometheus text format (a handful of series; no library needed). */
final class Metrics {
    private static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();

    private static final class Histogram {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final AtomicLong sumNanos = new AtomicLong();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    void count(String name, String labelName, String labelValue) {
        counters.computeIfAbsent(name + "{" + labelName + "=\"" + labelValue + "\"}", k -> new LongAdder()).increment();
    }

    void observe(String route, long nanos) {
        Histogram h = latency.computeIfAbsent(route, k -> new Histogram());
        double seconds = nanos / 1e9;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                h.buckets[i].increment();
            }
        }
        h.count.increment();
        h.sumNanos.addAndGet(nanos);
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        Map<String, Long> sorted = new TreeMap<>();
        counters.forEach((k, v) -> sorted.put(k, v.sum()));
        String lastName = "";
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            String name = e.getKey().substring(0, e.getKey().indexOf('{'));
            if (!name.equals(lastName)) {
                sb.append("# TYPE ").append(name).append(" counter\n");
                lastName = name;
            }
            sb.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        sb.append("# HELP bootmedic_http_request_duration_seconds Time from request to response, by route.\n");
        sb.append("# TYPE bootmedic_http_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((route, h) -> {
            for (int i = 0; i < BUCKETS.length; i++) {
                sb.append("bootmedic_http_request_duration_seconds_bucket{route=\"").append(route).append("\",le=\"").append(BUCKETS[i])
                        .append("\"} ").append(h.buckets[i].sum()).append('\n');
            }
            sb.append("bootmedic_http_request_duration_seconds_bucket{route=\"").append(route).append("\",le=\"+Inf\"} ")
                    .append(h.count.sum()).append('\n');
            sb.append("bootmedic_http_request_duration_seconds_sum{route=\"").append(route).append("\"} ").append(h.sumNanos.get() / 1e9).append('\n');
            sb.append("bootmedic_http_request_duration_seconds_count{route=\"").append(route).append("\"} ").append(h.count.sum()).append('\n');
        });
        return sb.toString();
    }
}
