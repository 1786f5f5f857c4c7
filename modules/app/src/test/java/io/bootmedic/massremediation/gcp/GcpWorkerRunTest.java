package io.bootmedic.massremediation.gcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.bootmedic.massremediation.gcp.GcpCloud.WORKER;
import static io.bootmedic.massremediation.gcp.GcpCloud.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When bootmedic fails or overruns on the worker: the copy is detached only once nothing runs on it, the VM is untouched. */
class GcpWorkerRunTest {
    static final String COPY = "win1-bm-" + GcloudSandbox.STAMP + "-fix";

    @TempDir
    Path tmp;
    ComputeEmulator api;
    GcloudSandbox gcloud;

    @BeforeEach
    void cloud() throws Exception {
        api = new ComputeEmulator(GcpCloud.PROJECT);
        gcloud = new GcloudSandbox(tmp, api);
        GcpCloud.worker(api.state);
        GcpCloud.windowsVm(api.state, ZONE, "win1", "RUNNING");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private int index(String event) {
        int k = api.state.timeline.indexOf(event);
        assertTrue(k >= 0, "no '" + event + "' in\n" + String.join("\n", api.state.timeline));
        return k;
    }

    private void assertVmUntouched() {
        ComputeState s = api.state;
        assertEquals(List.of("win1@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, "win1"));
        assertEquals("RUNNING", s.instance(ZONE, "win1").path("status").asText());
        assertFalse(s.timeline.contains("stop win1"), String.join("\n", s.timeline));
        assertTrue(s.instance(ZONE, "win1").path("labels").isEmpty());
        assertEquals(List.of(WORKER + "@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, WORKER), "the copy is detached");
        assertEquals(0, s.disk(ZONE, COPY).path("users").size());
    }

    @Test
    void bootmedicFailingOnTheCopyLeavesTheVmOnItsOriginalDiskWithTheDriverOnTheWorker() throws Exception {
        gcloud.workerRun(2, 1);

        // --via local: the driver runs on the worker itself (as root here), no ssh
        GcloudSandbox.Result r = gcloud.run(Map.of("BOOTMEDIC_JOB_ROOT", gcloud.worker.resolve("jobs").toString(),
                        "BOOTMEDIC_WORKER_SHELL", gcloud.worker.resolve("fake-worker-fix").toString()),
                "fix", "--zone", ZONE, "--worker", WORKER, "--instance", "win1", "--via", "local", "--record", gcloud.record().toString());

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), gcloud.sshCalls());
        assertEquals(List.of("set -- --gce-device-name " + COPY + " --expect-size 53687091200"), gcloud.workerArgs());
        assertVmUntouched();
        assertTrue(index("bootmedic-end " + COPY + " rc=1") < index("detachDisk " + WORKER + " " + COPY));
        assertTrue(r.out().contains("FAILED win1 at step 'bootmedic': bootmedic on the worker: exit 1"), r.out());
        assertTrue(r.out().contains("The original boot disk win1 is untouched"), r.out());
        assertTrue(Files.readString(gcloud.record()).contains("\twin1\tfailed\tbootmedic\twin1\t"));
    }

    @Test
    void atTheDeadlineTheJobIsStoppedFirstAndOnlyThenTheCopyDetached() throws Exception {
        gcloud.workerRun(120, 0); // would run far beyond --timeout

        GcloudSandbox.Result r = gcloud.run("fix", "--zone", ZONE, "--worker", WORKER, "--instance", "win1", "--timeout", "3",
                "--record", gcloud.record().toString());

        assertEquals(1, r.exit(), r.toString());
        assertVmUntouched();
        assertTrue(r.err().contains("bootmedic did not finish within 3s: stopping it on the worker"), r.err());
        // bootmedic was killed on the worker before the detach was asked for
        assertTrue(index("bootmedic-killed " + COPY) < index("detachDisk " + WORKER + " " + COPY));
        assertFalse(api.state.timeline.contains("bootmedic-end " + COPY + " rc=0"));
        assertTrue(r.out().contains("bootmedic did not finish within 3s; it was stopped on the worker"), r.out());
    }
}
