package io.bootmedic.cli;

import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.MachineIdentity;
import io.bootmedic.platform.Platform;
import io.bootmedic.report.ReportJson;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WinRE payload without native\: JNA cannot load, so the first touch of the platform throws a
 * LinkageError (UnsatisfiedLinkError the first time, NoClassDefFoundError after). The run must
 * still end in one sentence, the documented exit code 1 (failed), no stack trace, and a report
 * that says it was a packaging error; in WinRE the menu follows.
 */
class PlatformLoadFailureTest {
    @TempDir
    Path tmp;

    /** A Windows whose jnidispatch.dll is missing, as JNA fails on it. */
    static class NoNativePlatform implements Platform {
        @Override
        public String name() {
            return "windows";
        }

        @Override
        public MachineIdentity machineIdentity() {
            throw new NoClassDefFoundError("Could not initialize class com.sun.jna.Native");
        }

        @Override
        public LocalVolumePorts localVolumes(Consumer<String> progress) {
            throw new UnsatisfiedLinkError("Unable to load library 'jnidispatch':\nNative library (win32-x86-64/jnidispatch.dll) not found");
        }

        @Override
        public void checkNativeCode() {
            throw new UnsatisfiedLinkError("Unable to load library 'jnidispatch'");
        }
    }

    @AfterEach
    void restore() {
        ThisPlatform.source = io.bootmedic.platform.PlatformFactory::current;
    }

    @Test
    void aPayloadWithoutNativeEndsInOneSentenceAndAFailedReport() throws IOException {
        ThisPlatform.source = NoNativePlatform::new;
        Path outbox = tmp.resolve("outbox");
        Cli run = Cli.run("fix", "--all", "--winre", "--outbox", outbox.toString());

        assertEquals(1, run.exit, "documented: failed is exit 1\n" + run);
        List<String> said = run.err.lines().filter(l -> l.contains("packaging error")).toList();
        assertEquals(1, said.size(), "exactly one line names the packaging error\n" + run);
        assertTrue(said.get(0).startsWith("bootmedic: packaging error: this agent could not load its Windows support"), said.get(0));
        assertTrue(said.get(0).contains("winpe\\build.ps1"), "it says what to do: " + said.get(0));
        for (String text : new String[] {run.out, run.err}) {
            assertFalse(text.contains("\tat ") || text.contains("java.lang.") || text.contains("Exception"), "no stack trace, no class names:\n" + run);
        }
        assertTrue(run.out.contains("FAILED"), run.out);

        Path report;
        try (Stream<Path> files = Files.list(outbox)) {
            report = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        Map<String, Object> json = ReportJson.read(Files.readAllBytes(report));
        assertEquals("failed", json.get("outcome"));
        assertEquals(List.of(), json.get("volumes"));
        assertTrue(String.valueOf(json.get("error")).startsWith("packaging error:"), json.toString());

        String log = Files.readString(outbox.resolve("bootmedic.log"));
        assertTrue(log.contains("back to the Windows Recovery menu"), "WinRE's menu follows: " + log);
    }

    /** Staging such a payload must not count the machine as armed: readiness finds it while Windows still runs. */
    @Test
    void readinessOfSuchAPayloadSaysNotStaged() throws IOException {
        ThisPlatform.source = NoNativePlatform::new;
        Path conf = tmp.resolve("agent.conf");
        Files.writeString(conf, new io.bootmedic.collector.AgentConfig(java.net.URI.create("https://127.0.0.1:1"), null, "bmagt_test").text());
        System.setProperty("bootmedic.collector.retryMillis", "0");
        try {
            Cli run = Cli.run("readiness", "--config", conf.toString(), "--winre-state", "enabled", "--winre-free-bytes", "400000000", "--staged",
                    "--computer-name", "PC1", "--print");
            assertTrue(run.out.replace(" ", "").contains("\"staged\":false"), "sent as not staged:\n" + run);
            assertEquals(1, run.err.lines().filter(l -> l.startsWith("bootmedic: packaging error") && l.endsWith("reported as not staged")).count(),
                    run.toString());
            assertFalse(run.err.contains("\tat ") || run.err.contains("java.lang."), run.toString());
        } finally {
            System.clearProperty("bootmedic.collector.retryMillis");
        }
    }

    @Test
    void theSecondTouchFailsTheSameWay() {
        ThisPlatform.source = () -> new NoNativePlatform() {
            @Override
            public LocalVolumePorts localVolumes(Consumer<String> progress) {
                throw new NoClassDefFoundError("Could not initialize class com.sun.jna.platform.win32.Kernel32");
            }
        };
        Cli run = Cli.run("fix", "--all", "--report", tmp.resolve("r.json").toString());
        assertEquals(1, run.exit, run.toString());
        assertEquals(1, run.err.lines().filter(l -> l.startsWith("bootmedic: packaging error")).count(), run.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("r.json")));
    }
}
