package io.bootmedic.cloud.gcp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/gcp/worker-job.sh on this machine, as it runs on the worker: the job outlives the call
 * that started it, a poll reports it running until its rc file exists, a second start never
 * starts it twice, cancel stops the whole process group, the device is the one named at the start,
 * and "held" says whether anything has it open.
 */
class WorkerJobScriptTest {
    /** The script as the build packs it for the worker. */
    static final Path SCRIPT = script();

    private static Path script() {
        try {
            return Path.of(WorkerShell.class.getResource("scripts/gcp/worker-job.sh").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @TempDir
    Path tmp;

    private String run(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new java.util.ArrayList<>(List.of("bash", SCRIPT.toString())));
        pb.command().addAll(List.of(args));
        pb.environment().put("BOOTMEDIC_JOB_ROOT", tmp.resolve("jobs").toString());
        pb.environment().put("BOOTMEDIC_TEST_DEV_ROOT", tmp.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String payload(String script) {
        return Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theJobOutlivesTheStartCallAndItsResultComesFromTheRcFile() throws Exception {
        Path marker = tmp.resolve("runs");
        String job = payload("echo run >> " + marker + "\nsleep 2\necho BOOTMEDIC_EXIT=0\nexit 3\n");

        String first = run("start", "dev-1", "0", job);
        assertTrue(first.strip().endsWith("BM_JOB=running pid=" + Files.readString(tmp.resolve("jobs/dev-1/pid")).strip()), first);
        String again = run("start", "dev-1", "0", job);
        assertTrue(again.contains("was started before"), again);
        String done = run("poll", "dev-1", "10");
        // the exit code is the job's (3), not what it printed
        assertTrue(done.strip().endsWith("BM_JOB=done rc=3"), done);
        assertTrue(done.contains("BOOTMEDIC_EXIT=0"), done);
        assertEquals(List.of("run"), Files.readAllLines(marker), "started once");
        assertTrue(run("poll", "dev-2", "0").strip().endsWith("BM_JOB=missing"));
    }

    @Test
    void cancelStopsTheWholeJobAndOnlyThenSaysCancelled() throws Exception {
        Path child = tmp.resolve("child.pid");
        String job = payload("sleep 300 & echo $! > " + child + "\nwait\n");
        run("start", "dev-3", "0", job);
        for (int k = 0; k < 50 && !Files.exists(child); k++) {
            Thread.sleep(100);
        }
        long pid = Long.parseLong(Files.readString(child).strip());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

        String out = run("cancel", "dev-3", "3", tmp.resolve("no-such-device").toString());

        assertTrue(out.strip().endsWith("BM_JOB=cancelled"), out);
        Thread.sleep(200);
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the job's children are gone too");
        assertTrue(run("poll", "dev-3", "0").strip().endsWith("BM_JOB=done rc=124"));
    }

    @Test
    void aDeviceStillOpenAfterTheJobIsGoneIsReportedBusy() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fuser")) || Files.isExecutable(Path.of("/bin/fuser")),
                "psmisc's fuser is not installed");
        Path dev = tmp.resolve("disk");
        Files.writeString(dev, "");
        // something outside the job (a mount helper, a shell) still has the device open
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + dev + "; sleep 30").start();
        try {
            run("start", "dev-4", "0", payload("sleep 300\n"));
            String out = run("cancel", "dev-4", "1", dev.toString());
            assertTrue(out.strip().endsWith("BM_JOB=busy"), out);
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aJobThatEndedWhileTheCopyIsStillOpenSaysSoBeforeItsResult() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fuser")) || Files.isExecutable(Path.of("/bin/fuser")),
                "psmisc's fuser is not installed");
        Path dev = Files.createDirectories(tmp.resolve("dev/disk/by-id")).resolve("google-dev-5");
        Files.writeString(dev, "");
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + dev + "; sleep 30").start();
        try {
            Thread.sleep(300);
            String out = run("start", "dev-5", "10", payload("exit 0\n"));
            assertTrue(out.contains("BM_DEVICE=busy\nBM_JOB=done rc=0"), out);
        } finally {
            holder.destroyForcibly();
            holder.waitFor();
        }
        assertFalse(run("poll", "dev-5", "0").contains("BM_DEVICE=busy"), "free again once the holder is gone");
    }

    @Test
    void theDeviceNamedAtTheStartIsTheOneCheckedAndHeldSaysWhetherAnythingHasItOpen() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fuser")) || Files.isExecutable(Path.of("/bin/fuser")),
                "psmisc's fuser is not installed");
        Path dev = Files.createDirectories(tmp.resolve("dev/disk/by-id")).resolve("google-bootmedic-2");
        Files.writeString(dev, "");
        assertTrue(run("held", "bootmedic-2").strip().endsWith("BM_DEVICE=free"));
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + dev + "; sleep 30").start();
        try {
            Thread.sleep(300);
            assertTrue(run("held", "bootmedic-2").strip().endsWith("BM_DEVICE=free") == false, "held while open");
            // the job is named by the engine, its copy by the worker's device: the device's state is reported with the job's end
            String out = run("start", "bm-abcd1234-42-fix1", "10", payload("exit 0\n"), "bootmedic-2");
            assertTrue(out.contains("BM_DEVICE=busy\nBM_JOB=done rc=0"), out);
            assertEquals("bootmedic-2", Files.readString(tmp.resolve("jobs/bm-abcd1234-42-fix1/device")).strip());
        } finally {
            holder.destroyForcibly();
            holder.waitFor();
        }
        assertTrue(run("held", "bootmedic-2").strip().endsWith("BM_DEVICE=free"));
        assertTrue(run("held", "../etc").contains("bad job id"), "only a device name");
    }
}
