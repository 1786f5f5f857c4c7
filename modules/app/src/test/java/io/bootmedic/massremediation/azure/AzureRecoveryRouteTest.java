package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interrupted and failed runs with the real az: SIGTERM mid-run leaves a record that 'resume'
 * finishes (waiting out the still-running run command through 409 Conflict retries), and a 403
 * leaves a deallocated VM that 'cleanup' puts back as it was, idempotently.
 */
class AzureRecoveryRouteTest {
    @TempDir
    Path tmp;
    AzureRouteFixture f;

    @BeforeEach
    void cloud() throws Exception {
        f = new AzureRouteFixture(tmp);
    }

    @AfterEach
    void stop() {
        f.az.close();
    }

    @Test
    void termDuringTheRepairIsRecordedAndResumeFinishesIt() throws Exception {
        ObjectNode vm = f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        String original = f.st.osDiskId(vm);
        f.az.arm.runCommandsRunUntilRetried = true;
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/azure/remediate.sh", "fix", "--worker-group", "wrg", "--worker", "worker",
                "--resource-group", "rg1", "--vm", "vm1", "--record", f.record.toString()));
        Process p = f.az.start(cmd, Map.of());
        long deadline = System.currentTimeMillis() + 240_000;
        while (f.st.runCommandsStarted.isEmpty() && System.currentTimeMillis() < deadline && p.isAlive()) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), "the run ended before the run command started");
        p.toHandle().destroy(); // SIGTERM to bash (Process.destroy() would also close its output pipes)
        f.az.arm.runCommandsRunUntilRetried = false;
        AzEnvironment.Result r = AzEnvironment.finish(p, 60);

        assertEquals(130, r.exit(), r.toString());
        assertTrue(r.out().contains("INTERRUPTED (TERM) during step 'bootmedic' of rg1/vm1"), r.out());
        String last = f.record().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.contains("\trg1\tvm1\tinterrupted\tbootmedic\t" + original + "\t"), f.record());
        assertEquals(original, f.osDisk("rg1", "vm1"), "interrupted before the swap: still on the original");

        AzEnvironment.Result resumed = f.cmd("resume", "--resource-group", "rg1", "--vm", "vm1");

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().contains("Conflict"), "the interrupted run command was still running: " + resumed.err());
        String now = f.osDisk("rg1", "vm1");
        assertNotEquals(original, now);
        assertTrue(f.repairs(now) >= 1);
        assertEquals(0, f.repairs(original));
        assertEquals(original, f.st.tag(f.vm("rg1", "vm1"), "bootmedicOriginalOsDisk"));
        assertEquals("running", f.power("rg1", "vm1"));
        assertEquals(1, f.st.snapshots.size(), "resume reuses the run's snapshot");
        f.workerIsEmpty();
    }

    @Test
    void forbiddenAttachFailsAndCleanupPutsTheVmBackIdempotently() throws Exception {
        ObjectNode vm = f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        String original = f.st.osDiskId(vm);
        f.az.arm.forbid("PATCH /subscriptions/" + ComputeState.SUB + "/resourcegroups/wrg/providers/microsoft.compute/virtualmachines/worker");

        AzEnvironment.Result r = f.fix("--resource-group", "rg1", "--vm", "vm1");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.all().contains("AuthorizationFailed"), r.all());
        assertTrue(r.out().contains("FAILED rg1/vm1 at step 'attach'"), r.out());
        assertTrue(r.out().contains("cleanup --resource-group rg1 --vm vm1"), r.out());
        assertEquals("deallocated", f.power("rg1", "vm1"));
        assertEquals(original, f.osDisk("rg1", "vm1"));

        AzEnvironment.Result clean = f.cmd("cleanup", "--resource-group", "rg1", "--vm", "vm1");
        assertEquals(0, clean.exit(), clean.toString());
        assertTrue(clean.out().contains("CLEANED rg1/vm1"), clean.out());
        assertEquals("running", f.power("rg1", "vm1"));
        assertEquals(original, f.osDisk("rg1", "vm1"));
        assertEquals(0, f.repairs(original));
        f.workerIsEmpty();

        AzEnvironment.Result again = f.cmd("cleanup", "--resource-group", "rg1", "--vm", "vm1");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("nothing left to clean up"), again.out());
    }
}
