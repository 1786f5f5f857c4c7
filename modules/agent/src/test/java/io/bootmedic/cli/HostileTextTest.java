package io.bootmedic.cli;

import io.bootmedic.batch.BatchProgress;
import io.bootmedic.console.WinPeConsole;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21 #2: text from a disk, a file name or a list (here "ESC[2J CR bootmedic: fixed", which on
 * a terminal clears the screen and prints a fake success line) reaches the screen without ESC, CR
 * or a line break of its own, at every boundary where bootmedic prints.
 */
class HostileTextTest {
    static final String HOSTILE = "\u001b[2J\rbootmedic: fixed\u202E";

    @TempDir
    Path tmp;

    /** Nothing but printable text and the line breaks println itself writes. */
    private static void assertClean(String printed) {
        assertFalse(printed.contains("\u001b") || printed.contains("\r") || printed.contains("\u202E"), printed);
        assertTrue(printed.chars().allMatch(c -> c >= 0x20 && c != 0x7F || c == '\n'), printed);
    }

    @Test
    void anExceptionFromDeeperCodeBecomesOneFilteredLine() {
        // the single place where exceptions become "bootmedic: ..." lines filters the whole message
        String line = Main.line(new IllegalStateException("volume " + HOSTILE + "\nbootmedic: ALL CLEAN"));
        assertEquals("bootmedic: volume ?[2J?bootmedic: fixed??bootmedic: ALL CLEAN", line);
        assertTrue(Main.line(new IllegalStateException("x".repeat(1_000_000))).length() < Main.MAX_MESSAGE + 20);
    }

    @Test
    void aRefusedInputNamedWithEscapesIsOneCleanLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("disk" + HOSTILE + ".img"));
        Cli run = Cli.run("scan", "--image", dir.toString());
        assertEquals(2, run.exit, run.toString());
        assertClean(run.err);
        assertEquals(1, run.err.lines().count(), run.err);
        assertTrue(run.err.startsWith("bootmedic: --image ") && run.err.contains("?[2J?bootmedic: fixed?.img is a directory"), run.err);
    }

    @Test
    void aVolumeLabelWithEscapesIsPrintedCleanInTheReportTable() throws Exception {
        // a --root folder's name is the volume label of the report
        Path root = tmp.resolve("pc" + HOSTILE);
        PracticeTree.create(root);
        Cli run = Cli.run("scan", "--root", root.toString());
        assertEquals(1, run.exit, run.toString());
        assertClean(run.out);
        assertClean(run.err);
        assertTrue(run.out.contains("pc?[2J?bootmedic: fixed?"), run.out);
    }

    @Test
    void theWinPeScreenAndItsLogGetTheFilteredLine() {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        StringWriter log = new StringWriter();
        WinPeConsole console = new WinPeConsole(new PrintStream(screen, true, StandardCharsets.UTF_8), log,
                Clock.fixed(Instant.parse("2024-07-19T06:30:00Z"), ZoneOffset.UTC), d -> { }, () -> false);
        console.line("  label " + HOSTILE);
        console.banner(io.bootmedic.report.RunOutcome.FAILED, "volume " + HOSTILE + " could not be read");
        for (String printed : new String[]{screen.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"),
                log.toString().replace(System.lineSeparator(), "\n")}) {
            assertClean(printed);
            assertTrue(printed.contains("label ?[2J?bootmedic: fixed?"), printed);
        }
    }

    @Test
    void batchProgressNamesTargetsAndNotesClean() {
        StringWriter out = new StringWriter();
        BatchProgress progress = new BatchProgress(new PrintWriter(out, true), false, 2);
        Path target = tmp.resolve("img" + HOSTILE + ".vhdx");
        progress.started(target);
        progress.finished(target, "error", false, 1.0, "note " + HOSTILE);
        progress.close();
        assertClean(out.toString());
        assertTrue(out.toString().contains("img?[2J?bootmedic: fixed?.vhdx") && out.toString().contains("note ?[2J"), out.toString());
    }
}
