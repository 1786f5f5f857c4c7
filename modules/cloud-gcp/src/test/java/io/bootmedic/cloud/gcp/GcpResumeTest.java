package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.route.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static io.bootmedic.cloud.gcp.GcpWorld.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The orchestrator stopped mid-run (it stops driving after a write the cloud applied), then resumed from its journal file; failed fixes rolled back. */
class GcpResumeTest {
    private static final Set<String> WRITES = Set.of("stopVm", "startVm", "createSnapshot", "createDisk", "attachDisk", "detachDisk", "setBootDisk",
            "deleteDisk", "startFix", "cancelCommand");

    @TempDir
    Path tmp;

    static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** The provider, killed right after its k-th write returned (the write applied, its answer never heard). */
    static CloudProvider killedAfter(CloudProvider p, int k, List<String> log) {
        AtomicInteger writes = new AtomicInteger();
        return (CloudProvider) Proxy.newProxyInstance(CloudProvider.class.getClassLoader(), new Class<?>[] {CloudProvider.class}, (proxy, m, args) -> {
            Object out;
            try {
                out = m.invoke(p, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (WRITES.contains(m.getName())) {
                log.add(m.getName());
                if (writes.incrementAndGet() == k) {
                    throw new Killed();
                }
            }
            return out;
        });
    }

    @Test
    void killedAfterEachWriteAndResumedFromTheJournalFileTheVmEndsRepairedWithOneSnapshotAndOneCopy() throws Exception {
        // the writes of one VM's repair: stop, snapshot, copy, attach, fix, detach, swap (label+detach), swap (attach), start
        for (int k = 1; k <= 9; k++) {
            Path dir = tmp.resolve("k" + k);
            java.nio.file.Files.createDirectories(dir);
            try (GcpWorld w = new GcpWorld(dir, "n2-standard-4")) {
                w.windowsVm("win1", "broken");
                Connection c = w.connect("--instance", "win1");
                FileJournalStore journal = new FileJournalStore(dir.resolve("journal.jsonl"));
                List<String> log = new java.util.ArrayList<>();
                int kk = k;
                assertThrows(Killed.class, () -> Engine.run(killedAfter(c.provider(), kk, log), journal, Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234"));

                Connection again = w.connect("--instance", "win1"); // a new process: nothing but the journal and the cloud
                RunReport r = Engine.resume(again.provider(), new FileJournalStore(dir.resolve("journal.jsonl")), Clock.SYSTEM, GcpWorld.cfg(again));

                VmRecord v = r.vms().get(0);
                assertEquals(Step.REPAIRED, v.step(), "killed after " + log + ": " + v);
                assertEquals("bm-abcd1234-" + w.uid("win1") + "-copy1", w.boot("win1"), "killed after " + log);
                assertEquals("RUNNING", w.status("win1"));
                assertEquals("persistent-disk-0", w.bootAttachment("win1").path("deviceName").asText());
                assertEquals(1, w.s.snapshots.size(), "killed after " + log + ": " + w.s.snapshots.keySet());
                assertEquals(3, w.s.disks.size(), "worker, original, one copy: " + w.s.disks.keySet());
                assertEquals("broken", w.s.content.get(ZONE + "/win1"));
                assertEquals(List.of(), w.s.violations);
                assertEquals(1, w.s.timeline.stream().filter(e -> e.startsWith("bootmedic ")).count(), "one writer, killed after " + log);
            }
        }
    }

    @Test
    void aFixThatFailsIsRolledBackAndTheVmRunsOnItsOriginal() throws Exception {
        try (GcpWorld w = new GcpWorld(tmp, "n2-standard-4")) {
            w.windowsVm("win1", "broken");
            w.workerEnv.put("BM_FAKE_RC", "1");
            Connection c = w.connect("--instance", "win1");

            RunReport r = Engine.run(c.provider(), new MemoryJournalStore(), Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234");

            VmRecord v = r.vms().get(0);
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertTrue(v.reason().contains("FAILED"), v.reason());
            assertEquals("win1", w.boot("win1"));
            assertEquals("RUNNING", w.status("win1"));
            assertEquals(1, w.s.instance(ZONE, GcpWorld.WORKER).path("disks").size(), "the copy left the worker");
            assertEquals(1, r.exitCode());
        }
    }

    @Test
    void aSwapTornBetweenItsTwoCallsIsRolledBackToTheOriginalWithItsDeviceNameAndInterface() throws Exception {
        try (GcpWorld w = new GcpWorld(tmp, "n2-standard-4")) {
            w.windowsVm("win1", "win1", "broken", "n2-standard-4", "pd-balanced", "NVME");
            w.s.instance(ZONE, "win1").withArray("disks").forEach(a -> ((com.fasterxml.jackson.databind.node.ObjectNode) a).put("deviceName", "win1-boot"));
            Connection c = w.connect("--instance", "win1");
            Path file = tmp.resolve("journal.jsonl");
            List<String> log = new java.util.ArrayList<>();
            // the seventh write is the swap's first half: the original detached, the copy not yet attached
            assertThrows(Killed.class, () -> Engine.run(killedAfter(c.provider(), 7, log), new FileJournalStore(file), Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234"));
            assertEquals("setBootDisk", log.get(6), log.toString());
            Thread.sleep(200);
            assertEquals(null, w.boot("win1"), "torn: no boot disk");

            Connection again = w.connect("--instance", "win1");
            RunReport r = Engine.rollback(again.provider(), new FileJournalStore(file), Clock.SYSTEM, GcpWorld.cfg(again), Set.of());

            assertEquals(Step.ROLLED_BACK, r.vms().get(0).step(), r.vms().get(0).toString());
            assertEquals("win1", w.boot("win1"));
            assertEquals("win1-boot", w.bootAttachment("win1").path("deviceName").asText());
            assertEquals("NVME", w.bootAttachment("win1").path("interface").asText());
            assertTrue(w.bootAttachment("win1").path("autoDelete").asBoolean());
            assertEquals("RUNNING", w.status("win1"));
        }
    }

    @Test
    void aFailedRunKilledDuringItsRollbackIsFinishedByResumeAndRollbackFromTheJournalFile() throws Exception {
        // writes of a failing VM: stop, snapshot, copy, attach, fix (fails), detach, delete the copy, start
        for (int k = 5; k <= 8; k++) {
            Path dir = java.nio.file.Files.createDirectories(tmp.resolve("k" + k));
            try (GcpWorld w = new GcpWorld(dir, "n2-standard-4")) {
                w.windowsVm("win1", "broken");
                w.workerEnv.put("BM_FAKE_RC", "3");
                Connection c = w.connect("--instance", "win1");
                Path file = dir.resolve("journal.jsonl");
                List<String> log = new java.util.ArrayList<>();
                int kk = k;
                assertThrows(Killed.class, () -> Engine.run(killedAfter(c.provider(), kk, log), new FileJournalStore(file), Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234"));

                Connection again = w.connect("--instance", "win1");
                RunReport r = k % 2 == 0 ? Engine.resume(again.provider(), new FileJournalStore(file), Clock.SYSTEM, GcpWorld.cfg(again))
                        : Engine.rollback(again.provider(), new FileJournalStore(file), Clock.SYSTEM, GcpWorld.cfg(again), Set.of());

                VmRecord v = r.vms().get(0);
                assertEquals(Step.ROLLED_BACK, v.step(), "killed after " + log + ": " + v);
                assertEquals("win1", w.boot("win1"));
                assertEquals("RUNNING", w.status("win1"), "killed after " + log);
                assertEquals(1, w.s.instance(ZONE, GcpWorld.WORKER).path("disks").size(), "nothing left on the worker");
                assertTrue(w.s.disks.keySet().stream().noneMatch(d -> d.contains("-copy")), "the unused copy is deleted: " + w.s.disks.keySet());
                assertEquals(1, w.s.snapshots.size(), "the snapshot is kept");
            }
        }
    }

    @Test
    void aFixThatOverrunsIsCancelledOnTheWorkerBeforeItsCopyIsDetached() throws Exception {
        try (GcpWorld w = new GcpWorld(tmp, "n2-standard-4")) {
            w.windowsVm("win1", "broken");
            w.workerEnv.put("BM_FAKE_SECONDS", "120");
            Connection c = w.connect("--instance", "win1");
            EngineConfig cfg = new EngineConfig(c.workers(), 4, 50, 500, 200, 60_000, 3_000, 30_000, 5, 10, 3, 10, 200);

            RunReport r = Engine.run(c.provider(), new MemoryJournalStore(), Clock.SYSTEM, cfg, "abcd1234");

            VmRecord v = r.vms().get(0);
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertTrue(v.reason().contains("CANCELLED"), v.reason());
            assertTrue(w.s.timeline.stream().noneMatch(e -> e.startsWith("bootmedic ")), "bootmedic never got to write: " + w.s.timeline);
            assertEquals("win1", w.boot("win1"));
            assertEquals("RUNNING", w.status("win1"));
        }
    }
}
