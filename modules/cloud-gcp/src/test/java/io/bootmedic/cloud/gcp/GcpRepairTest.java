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

import static io.bootmedic.cloud.gcp.GcpWorld.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
