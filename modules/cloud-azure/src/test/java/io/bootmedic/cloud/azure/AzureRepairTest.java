package io.bootmedic.cloud.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.azure.arm.WorkerSim;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.route.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end through the SDK and the ARM emulator: the engine repairs a boot-looping VM, leaves the others as they were. */
class AzureRepairTest {
    @Test
    void aBootLoopingVmIsRepairedOnACopyAndRunsOnIt() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            RunReport r = f.run("--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.REPAIRED, v.step(), v.toString());
            assertEquals(f.st.vmId(vm), v.uid(), "the unique ID is the VM's vmId GUID");
            String now = f.osDisk(vm);
            assertNotEquals(original, now);
            assertTrue(now.endsWith("/disks/bm-abcd1234-" + v.uid() + "-copy1"), now);
            assertEquals("running", f.power(vm));
            assertEquals(1, f.st.fixed.getOrDefault(ArmState.key(now), 0), "the copy was repaired once");
            assertEquals(0, f.st.fixed.getOrDefault(ArmState.key(original), 0), "the original was never written");
            assertTrue(f.st.disks.containsKey(ArmState.key(original)), "the original is kept");
            f.clean();
        }
    }

    /** A VM that booted (guest agent Ready) is clean before anything changes: never stopped, no snapshot. */
    @Test
    void aCleanVmStaysRunningUntouched() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "ok01", "westeurope", "1");
            f.st.agentReady.add(ArmState.key(vm.get("id").asText()));
            String original = f.osDisk(vm);
            RunReport r = f.run("--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/ok01");
            assertEquals(Step.SKIPPED, v.step(), v.toString());
            assertTrue(v.reason().startsWith("clean"), v.reason());
            assertEquals(List.of(), f.st.powerCalls, "never stopped");
            assertTrue(f.st.snapshots.isEmpty());
            assertEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
        }
    }

    /** A VM whose scan could not tell (its agent is not Ready) and whose copy bootmedic found clean: back on its original, running; the copy deleted. */
    @Test
    void aVmTheFixFindsCleanIsPutBackAsItWas() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            f.arm.workers.behaviours.put(ArmState.key(original), new WorkerSim.Behaviour(WorkerSim.Mode.CLEAN, 100, 0));
            RunReport r = f.run("--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.CLEAN, v.step(), v.toString());
            assertEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
            assertFalse(f.st.disks.keySet().stream().anyMatch(k -> k.contains("-copy")), "the unused copy is deleted");
            assertEquals(1, f.st.snapshots.size(), "the snapshot is kept");
            f.clean();
        }
    }

    @Test
    void aLinuxVmIsNeverStopped() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addVm("prod", "db01", "westeurope", "1", "Linux", f.st.addDisk("prod", "db01_os", "westeurope", "1", "Premium_LRS", 64));
            RunReport r = f.run("--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/db01");
            assertEquals(Step.SKIPPED, v.step());
            assertTrue(v.reason().contains("not Windows"), v.reason());
            assertEquals(List.of(), f.st.powerCalls);
            assertEquals("running", f.power(vm));
        }
    }

    /** The orchestrator stops mid-run (after the snapshot, before the copy is on the worker); resume from the journal file finishes it. */
    @Test
    void aRunStoppedMidWayIsResumedFromItsJournalFile(@TempDir Path tmp) throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            FileJournalStore file = new FileJournalStore(tmp.resolve("azure-run.jsonl"));
            Connection c = f.connect("--resource-group", "prod");
            assertThrows(Interrupt.Died.class, () -> Engine.run(c.provider(), Interrupt.dyingAfter(file, "ATTACHING"), io.bootmedic.cloud.engine.Clock.SYSTEM,
                    AzureFixture.config(c), AzureFixture.RUN));
            assertEquals("deallocated", f.power(vm), "left stopped, mid-run");
            RunReport r = f.resume(new FileJournalStore(tmp.resolve("azure-run.jsonl")), "--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.REPAIRED, v.step(), v.toString());
            assertEquals(1, f.st.snapshots.size(), "the snapshot made before the stop was reused");
            assertEquals(1, f.st.disks.keySet().stream().filter(k -> k.contains("-copy")).count(), "one copy");
            assertNotEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
            f.clean();
        }
    }

    /** A run that died right after recording FAILED (its swap failed in Azure): rollback puts the VM back on its original, running, copy deleted. */
    @Test
    void rollbackFromFailed(@TempDir Path tmp) throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            f.arm.failAsync("PATCH", "/virtualMachines/web01", "InternalExecutionError", "An internal execution error occurred.");
            FileJournalStore file = new FileJournalStore(tmp.resolve("azure-run.jsonl"));
            Connection c = f.connect("--resource-group", "prod");
            assertThrows(Interrupt.Died.class, () -> Engine.run(c.provider(), Interrupt.dyingAfter(file, "FAILED"), io.bootmedic.cloud.engine.Clock.SYSTEM,
                    AzureFixture.config(c), AzureFixture.RUN));
            assertEquals(Step.FAILED, io.bootmedic.cloud.engine.Engine.status(file).vms().get(0).step(), "recorded failed");
            assertEquals("deallocated", f.power(vm));
            RunReport r = f.rollback(new FileJournalStore(tmp.resolve("azure-run.jsonl")), "--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
            assertFalse(f.st.disks.keySet().stream().anyMatch(k -> k.contains("-copy")), "the copy is deleted");
            assertEquals(1, f.st.snapshots.size(), "the snapshot is kept");
            f.clean();
        }
    }

    /** The fix itself fails on the worker: the run rolls the VM back by itself. */
    @Test
    void aFailedFixIsRolledBack() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            f.arm.workers.behaviours.put(ArmState.key(original), new WorkerSim.Behaviour(WorkerSim.Mode.FAILS, 100, 0));
            VmRecord v = AzureFixture.vm(f.run("--resource-group", "prod"), "prod/web01");
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
            f.clean();
        }
    }

    /** Two VMs named alike in two groups: each gets its own snapshot and copy (named from its vmId), made from its own disk. */
    @Test
    void twoVmsWithOneNameInTwoGroupsShareNothing() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode a = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            ObjectNode b = f.st.addWindowsVm("test", "web01", "westeurope", "1");
            String oa = f.osDisk(a);
            String ob = f.osDisk(b);
            java.nio.file.Path csv = java.nio.file.Files.createTempFile("targets", ".csv");
            java.nio.file.Files.writeString(csv, "resource_group,vm_name\nprod,web01\ntest,web01\n");
            RunReport r = f.run("--csv", csv.toString());
            java.nio.file.Files.delete(csv);
            assertEquals(2, r.vms().size());
            r.vms().forEach(v -> assertEquals(Step.REPAIRED, v.step(), v.toString()));
            assertNotEquals(f.osDisk(a), f.osDisk(b));
            assertEquals(ArmState.key(oa), f.st.copiedFrom.get(ArmState.key(f.osDisk(a))), "prod/web01 runs on a copy of its own disk");
            assertEquals(ArmState.key(ob), f.st.copiedFrom.get(ArmState.key(f.osDisk(b))), "test/web01 runs on a copy of its own disk");
            assertEquals(2, f.st.snapshots.size());
            f.clean();
        }
    }
}
