package io.bootmedic.cli;

import io.bootmedic.collector.AgentConfig;
import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.ReportUploader;
import io.bootmedic.format.Printable;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportJson;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reaching the collector from the agent's commands: the client from agent.conf, reports sent after a run. */
final class CollectorLink {
    /** agent.conf's collector.retrySeconds; the system property lets tests shorten it. */
    static long retryMillis(CollectorClient client) {
        return Long.getLong("bootmedic.collector.retryMillis", client.config().retrySeconds() * 1000L);
    }

    private CollectorLink() {
    }

    /** agent.conf, with --collector overriding its URL; without a file, the URL and {@code fallbackToken}. */
    static AgentConfig agentConfig(Path config, URI url, String fallbackToken) {
        try {
            if (config != null) {
                AgentConfig c = AgentConfig.read(config);
                return url != null ? c.withUrl(url) : c;
            }
            return new AgentConfig(url, null, fallbackToken == null || fallbackToken.isBlank() ? null : fallbackToken.strip());
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageError("--config/--collector: " + e.getMessage());
        }
    }

    /** The agent's client: needs the agent token from agent.conf or BOOTMEDIC_COLLECTOR_TOKEN. */
    static CollectorClient client(Path config, URI url, String envToken) {
        AgentConfig c = agentConfig(config, url, envToken);
        if (c.token() == null) {
            throw new UsageError("no agent token for the collector: use --config agent.conf (from 'bootmedic collector init') "
                    + "or set BOOTMEDIC_COLLECTOR_TOKEN");
        }
        try {
            return new CollectorClient(c, 10_000);
        } catch (IOException e) {
            throw new UsageError("--config/--collector: " + e.getMessage());
        }
    }

    static io.bootmedic.keys.KeyChain.Remote keySource(CollectorClient client) {
        return client::recoveryPassword;
    }

    /**
     * Sends a finished run's report. With an outbox the copy there moves to outbox/sent once the
     * collector has it; without one the report is sent from memory. Never fails the run.
     * With {@code flushOutbox}, reports that earlier runs left in the outbox (machines without
     * network, say) go along once the collector answers, so a technician's stick empties itself.
     */
    static void deliver(CollectorClient client, Report report, Path outbox, boolean flushOutbox, PrintWriter out, PrintWriter err) {
        ReportUploader uploader = new ReportUploader(client, retryMillis(client), Thread::sleep);
        Path spooled = outbox == null ? null : outbox.resolve(report.runId() + ".json");
        try {
            ReportUploader.Outcome o;
            if (spooled != null && Files.isRegularFile(spooled)) {
                o = uploader.upload(spooled, msg -> err.println("bootmedic: " + Printable.of(msg)));
            } else {
                o = uploader.send(ReportJson.toBytes(report), Path.of(report.runId() + ".json"), msg -> err.println("bootmedic: " + Printable.of(msg)));
            }
            if (o.sent()) {
                out.println("Report " + report.runId() + " sent to the collector at " + client.config().url() + (o.duplicate() ? " (it already had it)." : "."));
                if (flushOutbox && spooled != null) {
                    sendWaiting(client, outbox, out, err);
                }
            } else if (spooled != null) {
                err.println("bootmedic: the report was not sent: " + Printable.of(o.error()));
                err.println("It waits in " + outbox + "; send it later with: bootmedic report upload --outbox " + outbox + " --config agent.conf");
            } else {
                err.println("bootmedic: the report was not sent: " + Printable.of(o.error()));
                err.println("It is kept on the repaired volume under bootmedic/reports/" + report.runId() + ".json; next time use --outbox DIR "
                        + "so unsent reports wait where 'bootmedic report upload' finds them.");
            }
        } catch (IOException e) {
            err.println("bootmedic: the report was not sent: " + Printable.of(e.getMessage()));
        }
    }

    /** Sends what earlier runs left in the outbox, without waiting: the collector just answered. */
    private static void sendWaiting(CollectorClient client, Path outbox, PrintWriter out, PrintWriter err) {
        try {
            if (ReportUploader.pending(outbox).isEmpty()) {
                return;
            }
            var results = new ReportUploader(client, 0, Thread::sleep).uploadAll(outbox, msg -> { });
            long sent = results.stream().filter(ReportUploader.Outcome::sent).count();
            int left = ReportUploader.pending(outbox).size();
            out.println("Also sent " + sent + " earlier report(s) waiting in " + outbox + (left == 0 ? "." : "; " + left + " still waiting."));
        } catch (IOException e) {
            err.println("bootmedic: earlier reports in " + Printable.of(outbox + " stay there: " + e.getMessage()));
        }
    }
}
