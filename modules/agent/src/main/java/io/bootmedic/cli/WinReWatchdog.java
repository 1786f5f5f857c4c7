package io.bootmedic.cli;

import io.bootmedic.format.Printable;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Bounds a WinRE run ("it never blocks recovery"): a disk read that hangs in the driver, a WMI
 * provider that never answers or a collector that trickles bytes cannot be interrupted from Java,
 * so when the limit passes this says so in one line and ends the process with
 * {@link #EXIT_TIME_LIMIT}; the launcher then goes on to WinRE's menu. Ending mid-run is a power
 * cut as far as the volumes are concerned, which the journal is built for (docs/design.md §3:
 * the next run finishes or rolls back what this one started).
 */
final class WinReWatchdog implements AutoCloseable {
    /** Above the launcher's 60 s network wait, a key fetch per locked volume, the repair and the 20 s delivery. */
    static final int DEFAULT_SECONDS = 300;
    static final int MAX_SECONDS = 3600;
    /** docs/design.md §5. */
    static final int EXIT_TIME_LIMIT = 5;

    /** How the process ends; a seam so a test can see it without losing its JVM. */
    interface Halt {
        void halt(int exitCode);
    }

    /** Runtime.halt, not System.exit: a shutdown hook or a thread stuck in native code must not hold the exit. */
    static volatile Halt halt = code -> Runtime.getRuntime().halt(code);

    private final CountDownLatch done = new CountDownLatch(1);

    private WinReWatchdog() {
    }

    /**
     * Starts watching. {@code log} (the outbox's bootmedic.log) gets the same line when it can be
     * written; may be null.
     */
    static WinReWatchdog start(Duration limit, PrintWriter err, Path log) {
        WinReWatchdog dog = new WinReWatchdog();
        Halt ender = halt;
        Thread t = new Thread(() -> {
            try {
                if (dog.done.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            String line = "bootmedic: stopped after " + limit.toSeconds() + " s (--time-limit): a step did not finish in time. "
                    + "Anything half done is finished or undone by the next run; back to the Windows Recovery menu.";
            err.println(Printable.of(line));
            err.flush();
            appendToLog(log, line);
            ender.halt(EXIT_TIME_LIMIT);
        }, "bootmedic-winre-watchdog");
        t.setDaemon(true);
        t.start();
        return dog;
    }

    private static void appendToLog(Path log, String line) {
        if (log == null) {
            return;
        }
        try {
            Files.writeString(log, LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the console line was said; a log on a failing stick must not hold the exit
        }
    }

    /** The run finished in time. */
    @Override
    public void close() {
        done.countDown();
    }
}
