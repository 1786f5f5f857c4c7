package io.bootmedic.remediation;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12 #1: a journal planted on the volume must never make undo or fix write outside --root. */
class HostileJournalTest {
    @TempDir
    Path tmp;
    Path root;
    Path outside;

    @BeforeEach
    void tree() throws IOException {
        root = tmp.resolve("a/c");
        PracticeTree.create(root);
        outside = tmp.resolve("a/outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("X.json"), "precious\n"); // a file the attacker wants replaced
    }

    private void plant(String name, String runId) throws IOException {
        Path dir = Files.createDirectories(root.resolve("bootmedic/journal"));
        String json = "{\"schema\":\"bootmedic.journal/v1\",\"runId\":\"" + runId + "\",\"startedAt\":\"2024-07-19T05:00:00Z\","
                + "\"playbook\":\"x\",\"state\":\"in-progress\",\"finishedBy\":null,\"entries\":[]}";
        Files.writeString(dir.resolve(name), json, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"undo", "fix"})
    void aRunIdWithSlashesIsRefusedAndNothingOutsideRootIsWritten(String command) throws IOException {
        plant("evil.json", "../../../outside/X");
        plant("0b9c2a55-2d1b-4f7e-9c1a-1f0e0d0c0b0a.json", "../../../outside/X");
        Map<String, String> outsideBefore = TreeSnapshot.of(outside);
        Map<String, String> rootBefore = TreeSnapshot.of(root);

        Cli run = Cli.run(command, "--root", root.toString());

        assertEquals(outsideBefore, TreeSnapshot.of(outside), run.toString());
        assertEquals("precious\n", Files.readString(outside.resolve("X.json")));
        assertFalse(Files.exists(tmp.resolve("a/outside/X.json.tmp")));
        assertEquals(rootBefore, withoutReports(TreeSnapshot.of(root)), "a refused journal changes nothing on the volume but the report: " + run);
        assertNotEquals(0, run.exit, run.toString());
        String said = run.out + run.err;
        assertTrue(said.contains("bootmedic/journal/") && said.contains("Nothing was changed"), said);
        assertFalse(said.contains("Exception"), said);
    }

    @ParameterizedTest
    @ValueSource(strings = {"undo", "fix"})
    void aJournalPointingUndoAtAnotherFileIsRefused(String command) throws IOException {
        // the SYSTEM hive as the "quarantined copy": undo would move it to wherever "path" says
        String runId = "0b9c2a55-2d1b-4f7e-9c1a-1f0e0d0c0b0a";
        String sha = TreeSnapshot.sha256(root.resolve("Windows/System32/config/SYSTEM"));
        Path dir = Files.createDirectories(root.resolve("bootmedic/journal"));
        Files.writeString(dir.resolve(runId + ".json"), "{\"schema\":\"bootmedic.journal/v1\",\"runId\":\"" + runId + "\","
                + "\"startedAt\":\"2024-07-19T05:00:00Z\",\"playbook\":\"x\",\"state\":\"committed\",\"finishedBy\":null,\"entries\":[{"
                + "\"rule\":\"r\",\"path\":\"Users/Public/stolen\",\"quarantinePath\":\"Windows/System32/config/SYSTEM\",\"sha256\":\"" + sha + "\","
                + "\"size\":1,\"created\":null,\"modified\":null,\"accessed\":null,\"state\":\"verified\",\"note\":null}]}");
        Map<String, String> before = TreeSnapshot.of(tmp);

        Cli run = Cli.run(command, "--root", root.toString());

        assertEquals(before, withoutReports(TreeSnapshot.of(tmp)), run.toString());
        assertTrue((run.out + run.err).contains("quarantinePath"), run.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"undo", "fix"})
    void aJournalNamingAWindowsDeviceIsRefusedAndLeftInPlace(String command) throws IOException {
        // issue 21 #4: the quarantine path is the one bootmedic derives, but "nul.sys" is a device to Windows, not a file
        String runId = "0b9c2a55-2d1b-4f7e-9c1a-1f0e0d0c0b0a";
        String path = "Windows/System32/drivers/CrowdStrike/nul.sys";
        Path dir = Files.createDirectories(root.resolve("bootmedic/journal"));
        Files.writeString(dir.resolve(runId + ".json"), "{\"schema\":\"bootmedic.journal/v1\",\"runId\":\"" + runId + "\","
                + "\"startedAt\":\"2024-07-19T05:00:00Z\",\"playbook\":\"x\",\"state\":\"committed\",\"finishedBy\":null,\"entries\":[{"
                + "\"rule\":\"r\",\"path\":\"" + path + "\",\"quarantinePath\":\"bootmedic/quarantine/" + runId + "/" + path + "\",\"sha256\":\""
                + "a".repeat(64) + "\",\"size\":1,\"created\":null,\"modified\":null,\"accessed\":null,\"state\":\"verified\",\"note\":null}]}");
        Map<String, String> before = TreeSnapshot.of(tmp);

        Cli run = Cli.run(command, "--root", root.toString());

        assertEquals(before, withoutReports(TreeSnapshot.of(tmp)), run.toString());
        assertNotEquals(0, run.exit, run.toString());
        String said = run.out + run.err;
        assertTrue(said.contains("bootmedic/journal/" + runId + ".json") && said.contains("opens as the device NUL"), said);
    }

    /** fix writes its report (saying why the volume was refused) to bootmedic/reports: that is the one write it may make. */
    private static Map<String, String> withoutReports(Map<String, String> snapshot) {
        snapshot.keySet().removeIf(k -> k.contains("bootmedic/reports"));
        return snapshot;
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../outside/X", "a/b", "not-a-uuid"})
    void undoRunMustBeARunId(String runId) throws IOException {
        Map<String, String> before = TreeSnapshot.of(tmp);
        Cli run = Cli.run("undo", "--root", root.toString(), "--run", runId);
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("is not a run ID"), run.err);
        assertEquals(before, TreeSnapshot.of(tmp));
    }
}
