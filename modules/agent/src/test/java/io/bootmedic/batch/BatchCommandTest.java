package io.bootmedic.batch;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchCommandTest {
    @TempDir
    Path tmp;

    private List<Path> trees(int n) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path t = tmp.resolve("pc" + i);
            PracticeTree.create(t);
            out.add(t);
        }
        return out;
    }

    private Path list(List<Path> targets, String... extra) throws IOException {
        List<String> lines = new ArrayList<>(List.of("# machines of floor 3"));
        targets.forEach(t -> lines.add(t.toString()));
        lines.addAll(List.of(extra));
        return Files.write(tmp.resolve("targets.txt"), lines);
    }

    @Test
    void fixesEveryTargetSummarizesAndSkipsFinishedOnesNextTime() throws IOException {
        List<Path> trees = trees(3);
        Path empty = Files.createDirectories(tmp.resolve("not-windows"));
        Path state = tmp.resolve("state.json");
        Path outbox = tmp.resolve("outbox");
        Path listFile = list(trees, "", empty.toString(), tmp.resolve("missing").toString());

        Cli first = Cli.run("batch", "--list", listFile.toString(), "--parallel", "2", "--state", state.toString(), "--outbox", outbox.toString());

        assertEquals(1, first.exit, first.toString());
        assertTrue(first.out.contains("5 target(s), 0 already done"), first.out);
        assertTrue(first.out.contains("NOT DONE: 2 of 5"), first.out);
        for (Path t : trees) {
            assertFalse(Files.exists(t.resolve(PracticeTree.CROWDSTRIKE_DIR).resolve(PracticeTree.FAULTY)));
        }
        try (var reports = Files.list(outbox)) {
            assertEquals(4, reports.count(), "one report per target that could be opened");
        }
        BatchState loaded = BatchState.load(state);
        assertEquals("fixed", loaded.get(trees.get(0).toString()).outcome());
        assertEquals("no-windows", loaded.get(empty.toString()).outcome());
        assertEquals("error", loaded.get(tmp.resolve("missing").toString()).outcome());
        assertTrue(loaded.get(tmp.resolve("missing").toString()).note().contains("does not exist"));
        String firstRunId = loaded.get(trees.get(1).toString()).runId();

        Cli second = Cli.run("batch", "--list", listFile.toString(), "--state", state.toString());
        assertTrue(second.out.contains("5 target(s), 3 already done"), second.out);
        assertEquals(firstRunId, BatchState.load(state).get(trees.get(1).toString()).runId(), "a finished target is not run again");
        assertEquals(1, second.exit);

        Files.writeString(listFile, String.join("\n", trees.stream().map(Path::toString).toList()));
        Cli onlyGood = Cli.run("batch", "--list", listFile.toString(), "--state", state.toString());
        assertEquals(0, onlyGood.exit, onlyGood.toString());
        assertTrue(onlyGood.out.contains("ALL CLEAN"), onlyGood.out);
    }

    @Test
    void dryRunChangesNothingAndRecordsNothing() throws IOException {
        List<Path> trees = trees(2);
        Map<String, String> before = TreeSnapshot.of(tmp);
        Path state = tmp.resolve("state.json");
        Cli dry = Cli.run("batch", "--list", list(trees).toString(), "--dry-run", "--state", state.toString());
        assertEquals(1, dry.exit, dry.toString());
        assertTrue(dry.out.contains("DRY RUN") && dry.out.contains("needs-fix"), dry.out);
        Files.delete(tmp.resolve("targets.txt"));
        assertEquals(before, TreeSnapshot.of(tmp));
        assertFalse(Files.exists(state));
    }

    @Test
    void aBatchKilledMidwayResumesWithNothingLostOrDoneTwice() throws Exception {
        List<Path> trees = trees(40);
        Path state = tmp.resolve("state.json");
        Path listFile = list(trees);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.bootmedic.cli.Main",
                "batch", "--list", listFile.toString(), "--parallel", "1", "--state", state.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(state) && Files.readString(state).contains("fixed")) && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        BatchState afterKill = BatchState.load(state);
        List<String> doneBefore = new ArrayList<>();
        for (Path t : trees) {
            if (afterKill.get(t.toString()) != null) {
                doneBefore.add(t + "=" + afterKill.get(t.toString()).runId());
            }
        }
        assertFalse(doneBefore.isEmpty(), "the batch finished at least one target before it was killed");

        Cli resumed = Cli.run("batch", "--list", listFile.toString(), "--parallel", "2", "--state", state.toString());

        assertEquals(0, resumed.exit, resumed.toString());
        BatchState end = BatchState.load(state);
        for (String d : doneBefore) {
            String[] kv = d.split("=");
            assertEquals(kv[1], end.get(kv[0]).runId(), "finished before the kill, so not run again: " + kv[0]);
        }
        for (Path t : trees) {
            Path cs = t.resolve(PracticeTree.CROWDSTRIKE_DIR);
            assertFalse(Files.exists(cs.resolve(PracticeTree.FAULTY)), t.toString());
            assertTrue(Files.exists(cs.resolve(PracticeTree.REVERTED)));
            try (var q = Files.walk(t.resolve("bootmedic/quarantine"))) {
                assertEquals(1, q.filter(f -> f.getFileName().toString().equals(PracticeTree.FAULTY)).count(), "exactly one quarantined copy in " + t);
            }
        }
    }

    @Test
    void needsExactlyOneSourceOfTargets() {
        assertEquals(2, Cli.run("batch").exit);
        assertEquals(2, Cli.run("batch", "--images", tmp.toString(), "--list", "x").exit);
    }

    @Test
    void repairsImagesOfEveryKindIncludingBitLockerAndReportsTheBrokenOne() throws Exception {
        Path images = java.nio.file.Files.createDirectories(tmp.resolve("images"));
        Path raw = io.bootmedic.testutil.Tools.practiceDisk(images.resolve("pc1.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", raw.toString()).exit);
        io.bootmedic.testutil.Tools.ok("qemu-img", "convert", "-O", "vhdx", raw.toString(), images.resolve("pc2.vhdx").toString());
        io.bootmedic.testutil.Tools.ok("qemu-img", "convert", "-O", "vpc", "-o", "subformat=dynamic,force_size=on", raw.toString(), images.resolve("pc3.vhd").toString());
        Path encrypted = io.bootmedic.testutil.EncryptedPracticeVolume.make(tmp);
        java.nio.file.Files.move(encrypted, images.resolve("pc4.img"));
        Path keys = java.nio.file.Files.writeString(tmp.resolve("keys.csv"), "KeyID,RecoveryKey\n"
                + io.bootmedic.testutil.EncryptedPracticeVolume.RECOVERY_KEY_ID + "," + io.bootmedic.testutil.EncryptedPracticeVolume.RECOVERY_PASSWORD + "\n");
        java.nio.file.Files.write(images.resolve("pc5.vhdx"), java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(images.resolve("pc2.vhdx")), 1 << 20));
        Path state = tmp.resolve("state.json");

        Cli batch = Cli.run("batch", "--images", images.toString(), "--parallel", "2", "--key-file", keys.toString(), "--state", state.toString());

        assertEquals(1, batch.exit, batch.toString());
        BatchState s = BatchState.load(state);
        for (String done : new String[]{"pc1.img", "pc2.vhdx", "pc3.vhd", "pc4.img"}) {
            assertEquals("fixed", s.get(images.resolve(done).toString()).outcome(), done + "\n" + batch);
        }
        assertEquals("error", s.get(images.resolve("pc5.vhdx").toString()).outcome());
        assertTrue(s.get(images.resolve("pc5.vhdx").toString()).note().contains("truncated"), s.get(images.resolve("pc5.vhdx").toString()).note());
        assertTrue(batch.out.contains("NOT DONE: 1 of 5"), batch.out);
    }
}
