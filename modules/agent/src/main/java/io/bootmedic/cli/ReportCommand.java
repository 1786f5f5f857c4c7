package io.bootmedic.cli;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.ReportUploader;
import io.bootmedic.format.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", description = "Reports kept in an outbox.", subcommands = ReportCommand.Upload.class)
class ReportCommand {

    @Command(name = "upload", description = {"Send the reports waiting in an outbox to the collector. Each one moves to OUTBOX/sent once stored;",
            "sending one twice is harmless (the collector knows its runId). Exit 0 when nothing is left to send."})
    static class Upload implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--outbox", required = true, paramLabel = "DIR", description = "The outbox (e.g. the USB stick's bootmedic-outbox folder).")
        Path outbox;

        @Option(names = "--config", paramLabel = "FILE", description = "agent.conf from 'bootmedic collector init'.")
        Path config;

        @Option(names = "--collector", paramLabel = "URL", description = "The collector's URL (overrides --config).")
        URI url;

        @Option(names = "--retry-seconds", paramLabel = "N", defaultValue = "30", description = "How long to retry an unreachable collector (default 30).")
        int retrySeconds;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (config == null && url == null) {
                throw new UsageError("say where to send: --config agent.conf or --collector URL");
            }
            CollectorClient client = CollectorLink.client(config, url, System.getenv("BOOTMEDIC_COLLECTOR_TOKEN"));
            List<Path> pending = ReportUploader.pending(outbox);
            if (pending.isEmpty()) {
                out.println("Nothing to send: " + outbox + " holds no unsent report.");
                return ExitCodes.CLEAN;
            }
            List<ReportUploader.Outcome> results = new ReportUploader(client, retrySeconds * 1000L, Thread::sleep)
                    .uploadAll(outbox, msg -> err.println("bootmedic: " + Printable.of(msg)));
            int sent = 0;
            for (ReportUploader.Outcome o : results) {
                if (o.sent()) {
                    sent++;
                    out.println("sent    " + o.report().getFileName() + (o.duplicate() ? "  (the collector already had it)" : ""));
                } else {
                    out.println("waiting " + Printable.of(o.report().getFileName() + "  " + o.error()));
                }
            }
            int left = ReportUploader.pending(outbox).size();
            out.println(sent + " sent, " + left + " still waiting in " + outbox + ".");
            if (left > 0) {
                out.println("Next: check the collector is running and reachable, then run this command again.");
            }
            return left == 0 ? ExitCodes.CLEAN : ExitCodes.NEEDS_WORK;
        }
    }
}
