package io.bootmedic.collector.client;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends the reports waiting in an outbox. A report leaves the outbox (into {@code sent/}) only
 * after the collector stored it; anything else stays for the next try. Network and server
 * errors are retried with backoff until a deadline; refusals (bad token, bad report) are not.
 */
public final class ReportUploader {
    public static final String SENT_DIR = "sent";
    private final CollectorClient client;
    private final long retryForMillis;
    private final Sleeper sleeper;

    /** Lets tests skip the waiting. */
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final java.util.random.RandomGenerator random;

    public ReportUploader(CollectorClient client, long retryForMillis, Sleeper sleeper) {
        this(client, retryForMillis, sleeper, new java.security.SecureRandom());
    }

    /** {@code random} spreads the retries of a fleet (tests give a seeded one). */
    public ReportUploader(CollectorClient client, long retryForMillis, Sleeper sleeper, java.util.random.RandomGenerator random) {
        this.client = client;
        this.retryForMillis = retryForMillis;
        this.sleeper = sleeper;
        this.random = random;
    }

    public record Outcome(Path report, boolean sent, boolean duplicate, String error) {
    }

    /**
     * The reports waiting in an outbox, oldest first (by the time each was written, then by name):
     * the collector takes the report it receives last as a machine's state, so two runs of one
     * machine waiting on one stick must arrive in the order they ran.
     */
    public static List<Path> pending(Path outbox) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(outbox)) {
            return files;
        }
        java.util.Map<Path, Long> written = new java.util.HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(outbox, "*.json")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                    written.put(p, Files.getLastModifiedTime(p).toMillis());
                }
            }
        }
        files.sort(java.util.Comparator.comparing((Path p) -> written.get(p)).thenComparing(java.util.Comparator.naturalOrder()));
        return files;
    }

    public List<Outcome> uploadAll(Path outbox, Consumer<String> progress) throws IOException {
        return uploadAll(outbox, null, progress);
    }

    /** Sends what waits in {@code outbox}, oldest first, except {@code except} (null: all); stops at the first unreachable collector. */
    public List<Outcome> uploadAll(Path outbox, Path except, Consumer<String> progress) throws IOException {
        List<Outcome> outcomes = new ArrayList<>();
        for (Path report : pending(outbox)) {
            if (report.equals(except)) {
                continue;
            }
            Outcome o = upload(report, progress);
            outcomes.add(o);
            if (!o.sent() && o.error() != null && o.error().startsWith("unreachable:")) {
                break; // the collector is gone: do not wait out the deadline once per report
            }
        }
        return outcomes;
    }

    /** Sends one report file and moves it to {@code sent/} once the collector has it. */
    public Outcome upload(Path report, Consumer<String> progress) throws IOException {
        Outcome o = send(Files.readAllBytes(report), report, progress);
        if (o.sent()) {
            Path sentDir = report.getParent().resolve(SENT_DIR);
            Files.createDirectories(sentDir);
            Files.move(report, sentDir.resolve(report.getFileName()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return o;
    }

    /** Sends a report held in memory, retrying what may pass on a later try until the deadline. */
    public Outcome send(byte[] body, Path label, Consumer<String> progress) {
        long deadline = System.currentTimeMillis() + retryForMillis;
        Backoff backoffs = new Backoff(500, 30_000, random);
        while (true) {
            try {
                CollectorClient.Delivery d = client.sendReport(body);
                return new Outcome(label, true, d == CollectorClient.Delivery.ALREADY_RECEIVED, null);
            } catch (CollectorException e) {
                long backoff = backoffs.next(e.retryAfterMillis());
                if (!e.retryable() || System.currentTimeMillis() + backoff > deadline) {
                    return new Outcome(label, false, false, (e.retryable() ? "unreachable: " : "") + e.getMessage());
                }
                progress.accept("collector not answering (" + e.getMessage() + "); retrying in " + String.format(java.util.Locale.ROOT, "%.1f", backoff / 1000.0) + " s");
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return new Outcome(label, false, false, "unreachable: interrupted");
                }
            }
        }
    }
}
