package io.bootmedic.massremediation.gcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.bootmedic.massremediation.gcp.GcpCloud.WORKER;
import static io.bootmedic.massremediation.gcp.GcpCloud.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rollback, and a second run over a VM that a first run already swapped, with the real gcloud. */
class GcpRollbackTest {
    static final String S = GcloudSandbox.STAMP;
    static final String COPY = "win1-bm-" + S + "-fix";

    @TempDir
    Path tmp;
    ComputeEmulator api;
    GcloudSandbox gcloud;

    @BeforeEach
    void cloud() throws Exception {
        api = new ComputeEmulator(GcpCloud.PROJECT);
        gcloud = new GcloudSandbox(tmp, api);
        GcpCloud.worker(api.state);
        GcpCloud.remediatedVm(api.state, "win1", S);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void rollbackPutsTheOriginalBackUnderTheSameDeviceNameAndAutoDelete() throws Exception {
        GcloudSandbox.Result dry = gcloud.run("rollback", "--zone", ZONE, "--instance", "win1", "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("ROLLBACK win1: boot disk " + COPY + " -> original win1 (device persistent-disk-0, auto-delete yes)"), dry.out());
        assertTrue(api.requests.stream().allMatch(q -> q.startsWith("GET ")), "a dry run changes nothing: " + api.requests);

        GcloudSandbox.Result r = gcloud.run("rollback", "--zone", ZONE, "--instance", "win1");

        assertEquals(0, r.exit(), r.toString());
        ComputeState s = api.state;
        assertEquals(List.of("win1@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, "win1"));
        assertEquals("RUNNING", s.instance(ZONE, "win1").path("status").asText());
        assertTrue(s.instance(ZONE, "win1").path("labels").isEmpty(), s.instance(ZONE, "win1").path("labels").toString());
        assertEquals(0, s.disk(ZONE, COPY).path("users").size(), "the repaired copy is detached and kept");
        assertTrue(r.out().contains("ROLLED BACK win1"), r.out());
    }

    @Test
    void aSecondRunSkipsAVmAlreadyRemediatedAndWithForceKeepsTheTrueOriginalInItsLabel() throws Exception {
        GcloudSandbox.Result skip = gcloud.run("fix", "--zone", ZONE, "--worker", WORKER, "--instance", "win1",
                "--record", gcloud.record().toString());
        assertEquals(0, skip.exit(), skip.toString());
        assertTrue(skip.err().contains("win1: already remediated (label bootmedic-original-disk=win1): skipped"), skip.err());
        assertTrue(api.requests.stream().allMatch(q -> q.startsWith("GET ")), "nothing changed: " + api.requests);

        gcloud.workerRun(0, 0);
        String later = "20240720-080000";
        GcloudSandbox.Result again = gcloud.run(Map.of("BOOTMEDIC_STAMP", later), "fix", "--zone", ZONE, "--worker", WORKER,
                "--instance", "win1", "--force", "--record", gcloud.record().toString());

        assertEquals(0, again.exit(), again.toString());
        ComputeState s = api.state;
        String second = COPY + "-bm-" + later + "-fix";
        assertEquals(List.of(second + "@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, "win1"));
        // rollback still goes to the disk the VM had before the first run, not to the first copy
        assertEquals("win1", s.instance(ZONE, "win1").path("labels").path("bootmedic-original-disk").asText());
        assertEquals(second, s.instance(ZONE, "win1").path("labels").path("bootmedic-repaired-disk").asText());
        assertEquals(COPY, ComputeState.last(s.snapshot(COPY + "-bm-" + later).path("sourceDisk").asText()));
    }
}
