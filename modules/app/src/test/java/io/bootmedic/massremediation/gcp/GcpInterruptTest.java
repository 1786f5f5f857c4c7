package io.bootmedic.massremediation.gcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.bootmedic.massremediation.gcp.GcpCloud.WORKER;
import static io.bootmedic.massremediation.gcp.GcpCloud.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM while bootmedic runs on the worker, then cleanup and resume from the record, with the real gcloud. */
class GcpInterruptTest {
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

    /** Ends the worker-side jobs this test started (by their recorded process group), then the emulator. */
    @AfterEach
    void stop() throws IOException {
        Path jobs = gcloud.worker.resolve("jobs");
        if (Files.isDirectory(jobs)) {
            try (Stream<Path> dirs = Files.list(jobs)) {
                for (Path d : dirs.toList()) {
                    Path pid = d.resolve("pid");
                    if (Files.exists(pid)) {
                        long p = Long.parseLong(Files.readString(pid).strip());
                        ProcessHandle.of(p).ifPresent(h -> {
                            h.descendants().forEach(ProcessHandle::destroy);
                            h.destroy();
                        });
                    }
                }
            }
        }
        api.close();
    }

    private void awaitEvent(String prefix) throws InterruptedException {
        for (int k = 0; k < 2400; k++) {
            synchronized (api.state) {
                if (api.state.timeline.stream().anyMatch(e -> e.startsWith(prefix))) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + prefix + "' in\n" + String.join("\n", api.state.timeline));
    }

    @Test
    void termWhileBootmedicRunsKeepsTheCopyAttachedCleanupWaitsForItAndResumeFinishesTheSwap() throws Exception {
        gcloud.workerRun(45, 0);
        String rec = gcloud.record().toString();
        Process run = gcloud.start(Map.of(), "fix", "--zone", ZONE, "--worker", WORKER, "--instance", "win1", "--record", rec);
        awaitEvent("bootmedic-start " + COPY);
        run.destroy(); // SIGTERM
        GcloudSandbox.Result r = gcloud.finish(run);

        assertEquals(130, r.exit(), r.toString());
        ComputeState s = api.state;
        assertTrue(s.diskNames(ZONE, WORKER).contains(COPY + "@" + COPY), "never detached while bootmedic runs: " + s.diskNames(ZONE, WORKER));
        assertEquals(List.of("win1@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, "win1"));
        assertFalse(s.timeline.contains("stop win1"));
        assertTrue(r.out().contains("INTERRUPTED win1 at step 'bootmedic'"), r.out());
        List<String> lines = Files.readAllLines(gcloud.record());
        assertTrue(lines.get(lines.size() - 1).contains("\twin1\tinterrupted\tbootmedic\twin1\t"), String.join("\n", lines));

        GcloudSandbox.Result early = gcloud.run("cleanup", "--record", rec);
        assertEquals(1, early.exit(), early.toString());
        assertTrue(early.out().contains("bootmedic is still running on " + WORKER), early.out());
        assertTrue(s.diskNames(ZONE, WORKER).contains(COPY + "@" + COPY), "cleanup leaves a running job's disk attached");

        awaitEvent("bootmedic-end " + COPY);
        GcloudSandbox.Result resumed = gcloud.run("resume", "--record", rec);

        assertEquals(0, resumed.exit(), resumed.toString());
        assertEquals(List.of(COPY + "@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, "win1"));
        assertEquals("RUNNING", s.instance(ZONE, "win1").path("status").asText());
        assertEquals("win1", s.instance(ZONE, "win1").path("labels").path("bootmedic-original-disk").asText());
        assertEquals(List.of(WORKER + "@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, WORKER));
        assertEquals(1, gcloud.workerArgs().size(), "the job was not started a second time");
        assertEquals(1, s.snapshots.size(), "no second snapshot");
        assertTrue(resumed.out().contains("FIXED win1"), resumed.out());
    }
}
