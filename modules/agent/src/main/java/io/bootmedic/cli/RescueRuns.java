package io.bootmedic.cli;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.Printable;
import io.bootmedic.remediation.PlaybookSource;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.TargetRunner;
import io.bootmedic.report.Report;
import io.bootmedic.rescue.RescueDisk;
import io.bootmedic.volumes.ImageTarget;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One look or one fix of one disk of the rescue console, the way 'bootmedic scan/fix --device' does it:
 * the report at DATA/bootmedic/reports/rescue-DISK-STAMP.json and in the outbox beside it, the bytes of
 * neutralized files under DATA/bootmedic/quarantine/DISK, the report sent to the collector when there is one.
 */
final class RescueRuns {
    /** The UTC time in the names of the console's reports and logs. */
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final PlaybookSource playbooks;
    private final Supplier<VolumeKeys> keys;
    private final Optional<CollectorClient> collector;
    private final Path data;
    private final Path log;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Clock clock;

    RescueRuns(PlaybookSource playbooks, Supplier<VolumeKeys> keys, Optional<CollectorClient> collector, Path data, Path log,
               PrintWriter out, PrintWriter err, Clock clock) {
        this.playbooks = playbooks;
        this.keys = keys;
        this.collector = collector;
        this.data = data;
        this.log = log;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    Path reports() {
        return data.resolve("bootmedic").resolve("reports");
    }

    /** Looks, changes nothing, writes no report. */
    Report scan(RescueDisk disk) throws IOException {
        ImageTarget target = new ImageTarget(disk.device(), true, false, null).keys(keys.get());
        return new TargetRunner(playbooks, new RunOptions("scan", true), Identity.DEFAULT, Identity.THIS_MACHINE).run(target, null, null).report();
    }

    /** Fixes, prints the report's table, writes it to the stick and sends it. */
    Report fix(RescueDisk disk) throws IOException {
        Path report = reportFile(disk.name());
        Path quarantine = data.resolve("bootmedic").resolve("quarantine").resolve(disk.name());
        ImageTarget target = new ImageTarget(disk.device(), true, true, quarantine).keys(keys.get());
        TargetRunner.Result result = new TargetRunner(playbooks, new RunOptions("fix", false), Identity.DEFAULT, Identity.THIS_MACHINE)
                .run(target, reports(), report);
        StringWriter table = new StringWriter();
        try (PrintWriter t = new PrintWriter(table)) {
            new ConsoleReport(t).print(result.report(), "--device " + disk.device(), false, result.written());
            target.warnings().forEach(w -> t.println("bootmedic: warning: " + Printable.of(w)));
            ConsoleReport.printWriteFailures(t, result.written());
        }
        show(table.toString());
        collector.ifPresent(c -> CollectorLink.deliver(c, result.report(), reports(), true, out, err));
        return result.report();
    }

    /** The report's file for this disk; a second fix in the same second gets its own name. */
    private Path reportFile(String disk) {
        String stamp = STAMP.format(clock.instant());
        Path file = reports().resolve("rescue-" + disk + "-" + stamp + ".json");
        for (int n = 2; Files.exists(file) && n < 100; n++) {
            file = reports().resolve("rescue-" + disk + "-" + stamp + "-" + n + ".json");
        }
        return file;
    }

    /** Lines on the screen and in the log on the stick (what the init's tee did). */
    void show(String text) {
        out.print(text);
        out.flush();
        if (log != null) {
            try {
                Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                out.println("(the log on the stick can no longer be written: " + Printable.of(e.getMessage()) + ")");
            }
        }
    }

    /** The one line an exception becomes (never a stack trace). */
    static String says(Throwable e) {
        return Printable.of(ErrorWords.message(e).strip(), Main.MAX_MESSAGE);
    }
}
