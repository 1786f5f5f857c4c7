package io.bootmedic.cloud.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.route.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static io.bootmedic.cloud.gcp.GcpWorld.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine driving the GCP route against the Compute Engine emulator, end to end. */
class GcpRepairTest {
    @TempDir
    Path tmp;
    GcpWorld w;

    @BeforeEach
    void world() throws Exception {
        w = new GcpWorld(tmp, "n2-standard-4");
    }

    @AfterEach
    void close() throws Exception {
        w.close();
    }

    static VmRecord rec(RunReport r, String name) {
        return r.vms().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    RunReport run(Connection c) {
        return Engine.run(c.provider(), new MemoryJournalStore(), Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234");
    }

    @Test
    void aBootLoopingVmIsRepairedOnACopyAndTheOriginalIsNeverWritten() {
        w.windowsVm("win1", "broken");
        String uid = w.uid("win1");

        RunReport r = run(w.connect("--instance", "win1"));

        VmRecord v = rec(r, "win1");
        assertEquals(Step.REPAIRED, v.step(), v.toString());
        String copy = "bm-abcd1234-" + uid + "-copy1";
        assertEquals(copy, w.boot("win1"));
        assertEquals("RUNNING", w.status("win1"));
        JsonNode boot = w.bootAttachment("win1");
        assertEquals("persistent-disk-0", boot.path("deviceName").asText(), "the boot disk's device name is kept");
        assertEquals("SCSI", boot.path("interface").asText());
        assertTrue(boot.path("autoDelete").asBoolean(), "auto-delete is kept");
        assertEquals("broken", w.s.content.get(ZONE + "/win1"), "the original is never written");
        assertEquals("fixed", w.s.content.get(ZONE + "/" + copy));
        JsonNode c = w.s.disk(ZONE, copy);
        JsonNode o = w.s.disk(ZONE, "win1");
        assertEquals(o.path("licenses"), c.path("licenses"), "licences inherited from the snapshot");
        assertEquals(o.path("guestOsFeatures"), c.path("guestOsFeatures"));
        assertEquals("abcd1234", c.path("labels").path("bootmedic-run").asText());
        assertEquals(uid, c.path("labels").path("bootmedic-source").asText());
        assertEquals(0, o.path("users").size(), "the original is kept, detached");
        assertEquals(List.of(), w.s.violations);
        assertEquals(1, w.s.instance(ZONE, GcpWorld.WORKER).path("disks").size(), "nothing left on the worker");
        assertEquals(0, r.exitCode());
    }

    @Test
    void twoVmsFromOneTemplateWithLongSharedDiskNamesShareNothing() {
        // 49 characters in common: the old script's 36-character prefix made one snapshot and one copy of them
        String prefix = "windows-server-2022-dc-fleet-template-boot-disk-a";
        w.windowsVm("web1", prefix + "1", "broken", "n2-standard-4", "pd-balanced", "SCSI");
        w.windowsVm("web2", prefix + "2", "broken", "n2-standard-4", "pd-balanced", "SCSI");

        RunReport r = run(w.connect("--label", "fleet=crowdstrike"));

        assertEquals(Step.REPAIRED, rec(r, "web1").step());
        assertEquals(Step.REPAIRED, rec(r, "web2").step());
        String b1 = w.boot("web1"), b2 = w.boot("web2");
        assertNotEquals(b1, b2);
        assertTrue(b1.contains(w.uid("web1")) && b2.contains(w.uid("web2")), b1 + " " + b2);
        for (String[] vm : new String[][] {{"web1", prefix + "1"}, {"web2", prefix + "2"}}) {
            JsonNode copy = w.s.disk(ZONE, w.boot(vm[0]));
            JsonNode snap = w.s.snapshot(ComputeState.last(copy.path("sourceSnapshot").asText()));
            assertTrue(snap.path("sourceDisk").asText().endsWith("/disks/" + vm[1]), vm[0] + " boots a copy of its own disk: " + snap);
        }
        assertEquals(List.of(), w.s.violations);
    }

    @Test
    void aCleanVmIsNeverSwappedAndRunsOnItsOriginalAgain() {
        w.windowsVm("win1", "clean");

        RunReport r = run(w.connect("--instance", "win1"));

        VmRecord v = rec(r, "win1");
        assertEquals(Step.CLEAN, v.step(), v.toString());
        assertEquals("win1", w.boot("win1"));
        assertEquals("RUNNING", w.status("win1"));
        assertEquals("clean", w.s.content.get(ZONE + "/win1"));
        assertFalse(w.s.timeline.stream().anyMatch(e -> e.startsWith("attachDisk win1 ")), "no swap: " + w.s.timeline);
        assertFalse(w.s.disks.containsKey(ZONE + "/bm-abcd1234-" + w.uid("win1") + "-copy1"), "the unused copy is deleted");
        assertEquals(0, r.exitCode());
    }

    @Test
    void aLinuxVmAMigMemberALocalSsdVmAndAConfidentialVmAreNeverStopped() {
        w.linuxVm("lin1");
        w.windowsVm("mig1", "broken").with("metadata").withArray("items").addObject().put("key", "created-by")
                .put("value", "projects/4242/zones/" + ZONE + "/instanceGroupManagers/web-mig");
        w.windowsVm("ssd1", "broken");
        w.s.addDisk(ZONE, "ssd1-scratch", 375, "local-ssd");
        w.s.attachSeed(ZONE, "ssd1", "ssd1-scratch", "local-ssd-0", false, true, "NVME");
        ((com.fasterxml.jackson.databind.node.ObjectNode) w.s.instance(ZONE, "ssd1").path("disks").get(1)).put("type", "SCRATCH");
        w.windowsVm("conf1", "broken").putObject("confidentialInstanceConfig").put("enableConfidentialCompute", true);

        RunReport r = run(w.connect("--label", "fleet=crowdstrike"));

        assertTrue(rec(r, "lin1").reason().contains("not Windows"), rec(r, "lin1").toString());
        assertTrue(rec(r, "mig1").reason().contains("managed instance group"), rec(r, "mig1").toString());
        assertTrue(rec(r, "ssd1").reason().contains("Local SSD"), rec(r, "ssd1").toString());
        assertTrue(rec(r, "conf1").reason().contains("CONFIDENTIAL"), rec(r, "conf1").toString());
        for (String vm : List.of("lin1", "mig1", "ssd1", "conf1")) {
            assertEquals(Step.SKIPPED, rec(r, vm).step(), vm);
            assertFalse(w.s.timeline.contains("stop " + vm), vm + " was stopped: " + w.s.timeline);
            assertEquals("RUNNING", w.status(vm));
        }
        assertTrue(w.s.snapshots.isEmpty(), "nothing was made for them");
    }

    @Test
    void aHyperdiskVmWhoseWorkerCannotAttachHyperdiskIsSkippedBeforeItIsStopped() {
        w.windowsVm("hd1", "hd1", "broken", "c3-standard-4", "hyperdisk-balanced", "NVME");

        RunReport r = run(w.connect("--instance", "hd1"));

        VmRecord v = rec(r, "hd1");
        assertEquals(Step.SKIPPED, v.step(), v.toString());
        assertTrue(v.reason().contains("hyperdisk-balanced"), v.reason());
        assertFalse(w.s.timeline.contains("stop hd1"));
    }

    @Test
    void aHyperdiskVmIsRepairedOnAWorkerThatTakesHyperdiskOverNvme() throws Exception {
        w.close();
        w = new GcpWorld(tmp.resolve("c3"), "c3-standard-4");
        w.windowsVm("hd1", "hd1", "broken", "c3-standard-4", "hyperdisk-balanced", "NVME");
        w.s.disk(ZONE, "hd1").put("provisionedIops", "3600").put("provisionedThroughput", "290").putObject("diskEncryptionKey").put("kmsKeyName",
                "projects/bm-test-project/locations/us-central1/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3");

        RunReport r = run(w.connect("--instance", "hd1"));

        VmRecord v = rec(r, "hd1");
        assertEquals(Step.REPAIRED, v.step(), v.toString());
        JsonNode copy = w.s.disk(ZONE, w.boot("hd1"));
        assertEquals("hyperdisk-balanced", ComputeState.last(copy.path("type").asText()));
        assertEquals("3600", copy.path("provisionedIops").asText());
        assertEquals("290", copy.path("provisionedThroughput").asText());
        assertEquals("projects/bm-test-project/locations/us-central1/keyRings/r/cryptoKeys/k", copy.path("diskEncryptionKey").path("kmsKeyName").asText(),
                "the copy under the original's key (without its version)");
        assertEquals("NVME", w.bootAttachment("hd1").path("interface").asText());
        assertTrue(w.s.timeline.stream().anyMatch(e -> e.startsWith("attachDisk bm-worker ")), w.s.timeline.toString());
    }

    @Test
    void anAsyncSnapshotFailureIsSeenAtOnceAndTheVmIsRolledBackRunning() {
        w.windowsVm("win1", "broken");
        w.s.failSnapshotOf.add("win1");
        long t0 = System.currentTimeMillis();

        RunReport r = run(w.connect("--instance", "win1"));

        VmRecord v = rec(r, "win1");
        assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
        assertTrue(v.reason().contains("error"), v.reason());
        assertTrue(System.currentTimeMillis() - t0 < 30_000, "no stall on a failed snapshot");
        assertEquals(3, w.s.timeline.stream().filter(e -> e.startsWith("insertSnapshot ")).count(), "three attempts, each under its own name");
        assertEquals("win1", w.boot("win1"));
        assertEquals("RUNNING", w.status("win1"));
    }

    @Test
    void aDiskUnderThisRunsNameThatIsNotThisRunsIsNeverUsed() {
        w.windowsVm("win1", "broken");
        String uid = w.uid("win1");
        // someone else's disk, by chance or by malice, under the name this run will give its copy
        w.s.addDisk(ZONE, "bm-abcd1234-" + uid + "-copy1", 50, "pd-balanced").putObject("labels").put("bootmedic-run", "abcd1234")
                .put("bootmedic-source", "1");

        RunReport r = run(w.connect("--instance", "win1"));

        VmRecord v = rec(r, "win1");
        assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
        assertTrue(v.reason().contains("not this run's"), v.reason());
        assertEquals("win1", w.boot("win1"));
        assertEquals("RUNNING", w.status("win1"));
        assertTrue(w.s.disks.containsKey(ZONE + "/bm-abcd1234-" + uid + "-copy1"), "and it is not deleted either");
    }

    @Test
    void aSnapshotUnderThisRunsNameMadeForAnotherVmIsNeverCopied() {
        w.windowsVm("win1", "broken");
        w.windowsVm("win2", "clean");
        String uid = w.uid("win1");
        // a snapshot of win2's disk, labelled for another source, under the name this run gives win1's snapshot
        w.s.failSnapshotOf.clear();
        var snap = w.s.insertSnapshot(ComputeState.JSON.createObjectNode().put("name", "bm-abcd1234-" + uid + "-snap1")
                .put("sourceDisk", "projects/" + GcpWorld.PROJECT + "/zones/" + ZONE + "/disks/win2"));
        w.s.snapshot("bm-abcd1234-" + uid + "-snap1").putObject("labels").put("bootmedic-run", "abcd1234").put("bootmedic-source", w.uid("win2"));
        assertTrue(snap.has("name"));

        RunReport r = run(w.connect("--instance", "win1"));

        VmRecord v = rec(r, "win1");
        assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
        assertTrue(v.reason().contains("not this run's"), v.reason());
        assertEquals("win1", w.boot("win1"));
        assertEquals("RUNNING", w.status("win1"));
        assertTrue(w.s.timeline.stream().noneMatch(e -> e.startsWith("insertDisk ")), "nothing copied from it: " + w.s.timeline);
    }

    @Test
    void throttlingAndPagedListsAreAnsweredAndEveryVmIsRepaired() {
        for (int k = 1; k <= 3; k++) {
            w.windowsVm("win" + k, "broken");
        }
        w.linuxVm("lin1");
        Connection c = w.connect("--label", "fleet=crowdstrike", "--devices", "bootmedic-1,bootmedic-2");
        w.s.throttleNext = 4;
        w.s.throttleStatus = 429;
        w.s.throttleEvery = 25; // then one request in 25: 403 rateLimitExceeded as well as 429 (the engine paces every call after each)
        w.s.throttled.clear();

        RunReport r = run(c);

        assertEquals(4, r.vms().size(), "all pages of the list (2 a page) were read");
        assertTrue(w.s.throttled.size() > 6, "throttled " + w.s.throttled.size() + " times");
        for (int k = 1; k <= 3; k++) {
            assertEquals(Step.REPAIRED, rec(r, "win" + k).step(), rec(r, "win" + k).toString());
        }
        assertEquals(List.of(), w.s.violations);
    }

    @Test
    void aRepairedVmIsRolledBackToItsOriginalWithItsNvmeInterface() {
        w.windowsVm("win1", "win1", "broken", "n2-standard-4", "pd-balanced", "NVME");
        Connection c = w.connect("--instance", "win1");
        MemoryJournalStore journal = new MemoryJournalStore();

        RunReport r = Engine.run(c.provider(), journal, Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234");
        assertEquals(Step.REPAIRED, rec(r, "win1").step());
        assertEquals("NVME", w.bootAttachment("win1").path("interface").asText(), "the swap keeps NVMe");

        RunReport back = Engine.rollback(c.provider(), journal, Clock.SYSTEM, GcpWorld.cfg(c), Set.of());

        assertEquals(Step.ROLLED_BACK, rec(back, "win1").step(), rec(back, "win1") + " " + back.stuck());
        assertEquals("win1", w.boot("win1"));
        assertEquals("NVME", w.bootAttachment("win1").path("interface").asText());
        assertEquals("persistent-disk-0", w.bootAttachment("win1").path("deviceName").asText());
        assertTrue(w.bootAttachment("win1").path("autoDelete").asBoolean());
        assertEquals("RUNNING", w.status("win1"));
    }
}
