package io.bootmedic.batch;

import io.bootmedic.format.Printable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * What a batch is doing, for the person watching: one plain line per finished target with the
 * overall count and an estimate of the time left, and, on a terminal, a status line below that
 * names the targets in progress (rewritten in place, so logs and pipes get plain lines only).
 */
public final class BatchProgress {
    private final PrintWriter out;
    private final boolean terminal;
    private final int total;
    private final long startNanos = System.nanoTime();
    private final Set<String> running = new ConcurrentSkipListSet<>();
    private int finished;
    private int notClean;

    public BatchProgress(PrintWriter out, boolean terminal, int total) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
    }

    public synchronized void started(Path target) {
        running.add(target.getFileName() == null ? target.toString() : target.getFileName().toString());
        status();
    }

    public synchronized void finished(Path target, String outcome, boolean clean, double seconds, String note) {
        running.remove(target.getFileName() == null ? target.toString() : target.getFileName().toString());
        finished++;
        if (!clean) {
            notClean++;
        }
        clearStatus();
        // target names come from a list file or a folder, notes from images: neither may move the cursor
        out.printf(Locale.ROOT, "[%d/%d] %-10s %s  (%.1f s)%s%s%n", finished, total, Printable.of(outcome), Printable.of(target.toString()), seconds,
                note == null ? "" : "  " + Printable.of(note), eta());
        status();
        out.flush();
    }

    private String eta() {
        if (finished >= total || finished == 0) {
            return "";
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "  [about %.0f s left]", elapsed / finished * (total - finished));
    }

    private void status() {
        if (terminal && !running.isEmpty()) {
            String names = Printable.of(String.join(", ", running));
            if (names.length() > 60) {
                names = names.substring(0, 57) + "...";
            }
            out.printf(Locale.ROOT, "\r\u001b[K  %d/%d done, %d not clean; working on %s", finished, total, notClean, names);
            out.flush();
        }
    }

    private void clearStatus() {
        if (terminal) {
            out.print("\r\u001b[K");
        }
    }

    /** Ends the status line before the summary. */
    public synchronized void close() {
        clearStatus();
        out.flush();
    }
}
