package io.bootmedic.collector.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The collector's counters and latency histogram, kept and written by the Prometheus Java
 * client library (its own registry, so tests with several collectors in one JVM stay apart).
 */
final class Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, Counter> counters;
    private final Histogram latency;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    Metrics() {
        counters = Map.of(
                "bootmedic_reports_received_total", counter("bootmedic_reports_received_total", "Reports received, by result.", "result"),
                "bootmedic_report_outcomes_total", counter("bootmedic_report_outcomes_total", "New reports, by run outcome.", "outcome"),
                "bootmedic_key_releases_total", counter("bootmedic_key_releases_total", "Key requests, by result.", "result"),
                "bootmedic_keys_imported_total", counter("bootmedic_keys_imported_total", "Key imports.", "result"),
                "bootmedic_readiness_received_total", counter("bootmedic_readiness_received_total", "Readiness reports, by result.", "result"),
                "bootmedic_playbooks_published_total", counter("bootmedic_playbooks_published_total", "Playbook publications accepted, by result.", "result"),
                "bootmedic_enrolments_total", counter("bootmedic_enrolments_total", "Machine enrolments, by result.", "result"),
                "bootmedic_report_diagnosis_total", counter("bootmedic_report_diagnosis_total",
                        "New reports by their diagnosis: none, read, or partly left out (entries or fields that failed the collector's checks).", "result"),
                "bootmedic_http_requests_total", counter("bootmedic_http_requests_total", "HTTP answers, by status.", "status"));
        latency = Histogram.builder().name("bootmedic_http_request_duration_seconds").help("Time from request to response, by route.")
                .labelNames("route").classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
                .register(registry);
    }

    private Counter counter(String name, String help, String label) {
        return Counter.builder().name(name).help(help).labelNames(label).register(registry);
    }

    void count(String name, String labelName, String labelValue) {
        Counter c = counters.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no such metric: " + name); // a programming error, caught by the tests
        }
        c.labelValues(labelValue).inc();
    }

    void observe(String route, long nanos) {
        latency.labelValues(route).observe(nanos / 1e9);
    }

    String contentType() {
        return writer.getContentType();
    }

    String text() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
