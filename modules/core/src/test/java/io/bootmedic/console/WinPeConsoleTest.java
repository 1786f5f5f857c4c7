package io.bootmedic.console;

import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WinPeConsoleTest {
    final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    final StringWriter log = new StringWriter();
    final List<Duration> slept = new ArrayList<>();
    final Clock clock = Clock.fixed(Instant.parse("2024-07-19T06:30:00Z"), ZoneOffset.UTC);

    WinPeConsole console(WinPeConsole.KeyPoller keys) {
        return new WinPeConsole(new PrintStream(screen, true, StandardCharsets.UTF_8), log, clock, slept::add, keys);
    }

    String screen() {
        return screen.toString(StandardCharsets.UTF_8);
    }

    @Test
    void countdownRunsOutWithoutAKey() throws Exception {
        assertTrue(console(() -> false).rebootCountdown(15));
        assertEquals(15, slept.size());
        assertTrue(screen().contains("Restarting in 15 s. Press any key"));
        assertTrue(screen().contains("Restarting in 10 s"));
        assertTrue(screen().contains("Restarting in 1 s"));
        assertTrue(screen().contains("Restarting now."));
    }

    @Test
    void aKeyCancelsTheCountdown() throws Exception {
        int[] polls = {0};
        assertFalse(console(() -> ++polls[0] == 3).rebootCountdown(30));
        assertEquals(3, slept.size(), "stops at the third second");
        assertTrue(screen().contains("Restart cancelled"));
        assertFalse(screen().contains("Restarting now."));
    }

    @Test
    void bannerAndLinesGoToScreenAndLogWithTime() {
        WinPeConsole c = console(() -> false);
        c.banner(RunOutcome.NEEDS_KEY, "1 volume locked");
        assertTrue(screen().contains("06:30:00     NEEDS KEY"), screen());
        assertTrue(screen().contains("Next: a BitLocker volume stayed locked"));
        assertEquals(screen().replace("\r\n", "\n"), log.toString().replace("\r\n", "\n"));
    }

    @Test
    void foundListsLockedVolumesWithTheirKeyId() {
        WinPeConsole c = console(() -> false);
        Report.BitLocker locked = new Report.BitLocker("locked", "XTS-AES-128", "{8F0E4B2A-3C1D-4E5F-A6B7-C8D9E0F1A2B3}", null, false);
        c.found(List.of(new OpenedVolume(null, "\\\\?\\Volume{1}\\", null, null, locked, "n/a", "locked")));
        assertTrue(screen().contains("Windows volumes found: 1"));
        assertTrue(screen().contains("LOCKED by BitLocker, recovery key ID {8F0E4B2A-3C1D-4E5F-A6B7-C8D9E0F1A2B3}"), screen());
        c.found(List.of());
        assertTrue(screen().contains("No Windows volume found"));
    }

    @Test
    void outcomesFromTheReport() {
        assertEquals(RunOutcome.FIXED, RunOutcome.fromWire("fixed"));
        assertEquals(RunOutcome.CLEAN, RunOutcome.fromWire("clean"));
        assertEquals(RunOutcome.NEEDS_KEY, RunOutcome.fromWire("needs-key"));
        assertEquals(RunOutcome.NO_WINDOWS, RunOutcome.fromWire("no-windows"));
        assertEquals(RunOutcome.FAILED, RunOutcome.fromWire("something new"));
        assertEquals(RunOutcome.FAILED, RunOutcome.fromWire(null));
        assertTrue(RunOutcome.FIXED.restartAfterwards());
        assertFalse(RunOutcome.NEEDS_KEY.restartAfterwards(), "a person must read which key is needed");
    }

    @Test
    void logFileOnTheStickIsAppended(@TempDir Path stick) throws Exception {
        Path file = stick.resolve("bootmedic/logs/console.log");
        try (WinPeConsole c = WinPeConsole.open(file, () -> false)) {
            c.line("first run");
        }
        try (WinPeConsole c = WinPeConsole.open(file, () -> false)) {
            c.line("second run");
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).endsWith("first run") && lines.get(1).endsWith("second run"), lines.toString());
    }
}
