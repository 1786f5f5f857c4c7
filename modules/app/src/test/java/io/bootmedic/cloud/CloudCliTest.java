package io.bootmedic.cloud;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `bootmedic cloud sim`: a run killed half-way, its journal read back, resumed in another "process", rolled back. */
class CloudCliTest {
    /**
     * The whole CLI with every route on the class path: each route's options sit beside the engine's on five commands,
     * so a name both use would break every command of the jar (picocli refuses duplicate options when it builds them).
     */
    @Test
    void everyRoutesFiveCommandsBuildAndShowTheirOptions() {
        Cli top = Cli.run("--help");
        assertEquals(0, top.exit, top.toString());
        Cli cloud = Cli.run("cloud", "--help");
        assertEquals(0, cloud.exit, cloud.toString());
        for (String route : java.util.List.of("aws", "azure", "gcp", "kvm")) {
            assertTrue(cloud.out.contains(route), route + " is not a route: " + cloud.out);
            for (String command : java.util.List.of("plan", "run", "resume", "rollback", "status")) {
                Cli help = Cli.run("cloud", route, command, "--help");
                assertEquals(0, help.exit, route + " " + command + ": " + help);
                assertTrue(help.out.contains("--journal"), route + " " + command + ": " + help.out);
                if (!command.equals("status")) {
                    assertTrue(help.out.contains("--parallel-calls"), route + " " + command + ": " + help.out);
                }
            }
        }
    }

    @Test
    void aKilledRunResumesFromItsJournalAndRollsBack(@TempDir Path dir) throws Exception {
        String j = dir.resolve("run.jsonl").toString();
        Cli killed = Cli.run("cloud", "sim", "run", "--vms", "6", "--seed", "11", "--journal", j, "--kill-at", "25");
        assertEquals(1, killed.exit, killed.toString());
        assertTrue(killed.out.contains("orchestrator killed"), killed.out);

        Cli status = Cli.run("cloud", "sim", "status", "--journal", j);
        assertEquals(1, status.exit, status.toString());
        assertTrue(status.out.contains("not Windows (linux): never touched"), status.out);

        Cli resumed = Cli.run("cloud", "sim", "resume", "--journal", j);
        assertTrue(resumed.out.contains("invariants: every one held"), resumed.toString());
        assertTrue(resumed.out.contains("REPAIRED"), resumed.out);
        assertFalse(resumed.out.contains("INVARIANT BROKEN"), resumed.out);

        Cli back = Cli.run("cloud", "sim", "rollback", "--journal", j);
        assertTrue(back.out.contains("invariants: every one held"), back.toString());
        assertFalse(back.out.contains("REPAIRED"), back.out);
        assertTrue(back.out.contains("rolled back on request"), back.out);
    }

    @Test
    void aJournalChangedByHandIsRefusedWithOneLine(@TempDir Path dir) throws Exception {
        Path j = dir.resolve("run.jsonl");
        Cli run = Cli.run("cloud", "sim", "run", "--vms", "3", "--seed", "5", "--journal", j.toString(), "--calm");
        assertEquals(0, run.exit, run.toString());
        Files.writeString(j, "{\"garbage\":true}\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Cli status = Cli.run("cloud", "sim", "status", "--journal", j.toString());
        assertEquals(2, status.exit, status.toString());
        assertEquals(1, status.err.strip().lines().count(), status.err);
        assertTrue(status.err.contains("line "), status.err);
        Cli resume = Cli.run("cloud", "sim", "resume", "--journal", j.toString());
        assertEquals(2, resume.exit, resume.toString());
    }
}
