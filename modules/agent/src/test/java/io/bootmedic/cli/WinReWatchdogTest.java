package io.bootmedic.cli;

import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.MachineIdentity;
import io.bootmedic.platform.Platform;
import io.bootmedic.platform.VolumeEnumerator;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fix --winre is bounded: a step that hangs (here the volume enumeration, as a failing disk's
 * driver does) ends at --time-limit with one line, exit code 5, and the same line in the log;
 * a run that finishes in time is never stopped.
 */
class WinReWatchdogTest {
    @TempDir
    Path tmp;

    final List<Integer> halted = new CopyOnWriteArrayList<>();
    final CountDownLatch released = new CountDownLatch(1);

    @AfterEach
    void restore() {
        ThisPlatform.source = io.bootmedic.platform.PlatformFactory::current;
        WinReWatchdog.halt = code -> Runtime.getRuntime().halt(code);
    }

    /** The halt a test can survive: it records the code and lets the hung step return. */
    void recordHalts() {
        WinReWatchdog.halt = code -> {
            halted.add(code);
            released.countDown();
        };
    }

    /** A Windows whose disk never answers the volume enumeration, until the watchdog fires. */
    Platform hangingDisk() {
        VolumeEnumerator hangs = () -> {
            try {
                released.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("the disk stopped answering");
        };
        return new Platform() {
            @Override
            public String name() {
                return "windows";
            }

            @Override
            public MachineIdentity machineIdentity() {
                return MachineIdentity.UNKNOWN;
            }

            @Override
            public LocalVolumePorts localVolumes(Consumer<String> progress) {
                return new LocalVolumePorts(hangs, null, null, null);
            }
        };
    }

    @Test
    void aHangingStepEndsAtTheLimitWithOneLineAndExitCode5() throws IOException {
        recordHalts();
        ThisPlatform.source = this::hangingDisk;
        Path outbox = tmp.resolve("outbox");
        long t0 = System.nanoTime();
        Cli run = Cli.run("fix", "--all", "--winre", "--time-limit", "1", "--outbox", outbox.toString());
        long millis = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(List.of(5), halted, "the process is ended with the documented code 5\n" + run);
        assertTrue(millis < 15_000, "ended near the 1 s limit, not after the 60 s hang: " + millis + " ms");
        List<String> lines = run.err.lines().filter(l -> l.contains("--time-limit")).toList();
        assertEquals(1, lines.size(), run.toString());
        assertTrue(lines.get(0).startsWith("bootmedic: stopped after 1 s (--time-limit)") && lines.get(0).contains("Windows Recovery menu"), lines.get(0));
        assertTrue(lines.get(0).contains("finished or undone by the next run"), "it says the journal makes the cut safe: " + lines.get(0));
        assertTrue(Files.readString(outbox.resolve("bootmedic.log")).contains("stopped after 1 s (--time-limit)"), "the log on the stick says it too");
    }

    @Test
    void aRunThatFinishesInTimeIsNeverStopped() throws Exception {
        recordHalts();
        Path drive = tmp.resolve("c");
        assertEquals(0, Cli.run("practice-tree", drive.toString()).exit);
        Cli run = Cli.run("fix", "--root", drive.toString(), "--winre", "--time-limit", "2", "--reboot", "0", "--outbox", tmp.resolve("o").toString());
        assertEquals(0, run.exit, run.toString());
        Thread.sleep(2_500);
        assertEquals(List.of(), halted, "the watchdog stood down when the run ended");
    }

    @Test
    void theLimitIsForWinReRunsAndBounded() {
        Cli notWinRe = Cli.run("fix", "--root", tmp.toString(), "--time-limit", "60");
        assertEquals(2, notWinRe.exit, notWinRe.toString());
        assertTrue(notWinRe.err.contains("--time-limit bounds a --winre run"), notWinRe.err);
        Cli zero = Cli.run("fix", "--root", tmp.toString(), "--winre", "--time-limit", "0");
        assertEquals(2, zero.exit, zero.toString());
        assertTrue(zero.err.contains("between 1 and 3600 seconds"), zero.err);
    }
}
