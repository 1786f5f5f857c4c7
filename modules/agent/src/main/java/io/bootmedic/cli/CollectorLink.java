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
     * network, say) go along, so a technician's stick empties itself. They go first: the collector
     * takes the report it receives last as a machine's state, and an earlier run of this very
     * machine may be among them.
     */
    static void deliver(CollectorClient client, Report report, Path outbox, boolean flushOutbox, PrintWriter out, PrintWriter err) {
        ReportUploader uploader = new ReportUploader(client, retryMillis(client), Thread::sleep);
        Path spooled = outbox == null ? null : outbox.resolve(report.runId() + ".json");
        try {
            long earlier = flushOutbox && spooled != null && Files.isRegularFile(spooled) ? sendWaiting(client, outbox, spooled, err) : 0;
            ReportUploader.Outcome o;
            if (spooled != null && Files.isRegularFile(spooled)) {
                o = uploader.upload(spooled, msg -> err.println("bootmedic: " + Printable.of(msg)));
            } else {
                o = uploader.send(ReportJson.toBytes(report), Path.of(report.runId() + ".json"), msg -> err.println("bootmedic: " + Printable.of(msg)));
            }
            if (o.sent()) {
                out.println("Report " + report.runId() + " sent to the collector at " + client.config().url() + (o.duplicate() ? " (it already had it)." : "."));
                if (flushOutbox && spooled != null) {
                    earlier += sendWaiting(client, outbox, null, err); // what the first pass could not send, the collector now answering
                    int left = ReportUploader.pending(outbox).size();
                    if (earlier > 0 || left > 0) {
                        out.println("Also sent " + earlier + " earlier report(s) waiting in " + outbox + (left == 0 ? "." : "; " + left + " still waiting."));
                    }
                }
            } else if (spooled != null) {
                if (earlier > 0) {
                    out.println("Sent " + earlier + " earlier report(s) waiting in " + outbox + ".");
                }
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

    /** Sends what earlier runs left in the outbox (all but {@code except}), oldest first, without waiting; returns how many went. */
    private static long sendWaiting(CollectorClient client, Path outbox, Path except, PrintWriter err) {
        try {
            var results = new ReportUploader(client, 0, Thread::sleep).uploadAll(outbox, except, msg -> { });
            return results.stream().filter(ReportUploader.Outcome::sent).count();
        } catch (IOException e) {
            err.println("bootmedic: earlier reports in " + Printable.of(outbox + " stay there: " + e.getMessage()));
            return 0;
        }
    }
}
