package io.bootmedic.console;

import io.bootmedic.format.Printable;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.report.RunOutcome;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The plain text screen a technician sees when the bootmedic stick boots: what was found, one
 * line per step, a banner with the result and the next step, and a reboot countdown that any
 * key cancels. Every line also goes to a log file on the stick.
 */
public final class WinPeConsole implements Closeable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
    private final PrintStream screen;
    private Writer log;
    private final Clock clock;
    private final Sleeper sleeper;
    private final KeyPoller keys;

    /** Waits; injected so tests do not sleep. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** Whether a key was pressed since the last call; consumes it. */
    public interface KeyPoller {
        boolean keyPressed() throws IOException;
    }

    /** @param log null for no log file */
    public WinPeConsole(PrintStream screen, Writer log, Clock clock, Sleeper sleeper, KeyPoller keys) {
        this.screen = screen;
        this.log = log;
        this.clock = clock;
        this.sleeper = sleeper;
        this.keys = keys;
    }

    /** The real console: {@code screen}, a log file appended on the stick (null for none), key presses from {@code keys}. */
    public static WinPeConsole open(PrintStream screen, Path logFile, KeyPoller keys) throws IOException {
        Writer log = null;
        if (logFile != null) {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return new WinPeConsole(screen, log, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()), keys);
    }

    public static WinPeConsole open(Path logFile, KeyPoller keys) throws IOException {
        return open(System.out, logFile, keys);
    }

    /**
     * A timestamped line on screen and in the log. Callers pass no secrets; keys never reach here.
     * Labels, computer names and messages quoted in {@code text} come from the disks: the whole
     * line goes through {@link Printable}, so none of them can clear the screen or fake a line.
     */
    public void line(String text) {
        String stamped = TIME.format(clock.instant()) + "  " + Printable.of(text);
        screen.println(stamped);
        screen.flush();
        if (log != null) {
            try {
                log.write(stamped);
                log.write(System.lineSeparator());
                log.flush();
            } catch (IOException e) {
                log = null;
                screen.println("         (the log file on the stick can no longer be written: " + Printable.of(e.getMessage())
                        + "; the screen still shows everything)");
            }
        }
    }

    public void header(String agentVersion, String machine) {
        line("bootmedic " + agentVersion + " - repairs Windows that a faulty driver update left in a boot loop");
        line("Machine: " + machine);
    }

    public void found(List<OpenedVolume> volumes) {
        if (volumes.isEmpty()) {
            line("No Windows volume found on this machine's disks.");
            return;
        }
        line("Windows volumes found: " + volumes.size());
        for (OpenedVolume v : volumes) {
            String state = v.locked() ? "LOCKED by BitLocker, recovery key ID " + v.bitlocker().recoveryKeyId()
                    : "none".equals(v.bitlocker().state()) ? "" : "BitLocker " + v.bitlocker().state();
            line("  " + (v.label() == null || v.label().isEmpty() ? v.volumeId() : v.label() + " " + v.volumeId()) + "  " + state);
        }
    }

    /** The final banner: result in capitals, then what to do next. */
    public void banner(RunOutcome outcome, String detail) {
        banner(outcome, detail, outcome.nextStep());
    }

    /** The banner with a next step of the caller's (the Linux rescue stick's advice differs from WinPE's for some outcomes). */
    public void banner(RunOutcome outcome, String detail, String nextStep) {
        String bar = "=".repeat(64);
        line(bar);
        line("   " + outcome.banner());
        if (detail != null && !detail.isBlank()) {
            line("   " + detail);
        }
        line("   Next: " + nextStep);
        line(bar);
    }

    /**
     * Counts down to a restart, one line per step; any key cancels.
     *
     * @return true when the countdown ran out (restart now), false when someone pressed a key
     */
    public boolean rebootCountdown(int seconds) throws IOException {
        int step = seconds > 10 ? 5 : 1;
        int left = seconds;
        line("Restarting in " + left + " s. Press any key to stay in bootmedic.");
        while (left > 0) {
            try {
                sleeper.sleep(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                line("Restart cancelled.");
                return false;
            }
            if (keys.keyPressed()) {
                line("Restart cancelled. Type exit to restart, or run bootmedic again.");
                return false;
            }
            left--;
            if (left > 0 && (left % step == 0 || left <= 3)) {
                line("Restarting in " + left + " s...");
            }
        }
        line("Restarting now.");
        return true;
    }

    @Override
    public void close() throws IOException {
        if (log != null) {
            log.close();
        }
    }
}
