package io.bootmedic.cloud.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.azure.arm.ArmEmulator;
import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.azure.arm.WorkerSim;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.Model.CommandState;
import io.bootmedic.cloud.route.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.bootmedic.cloud.azure.arm.ArmState.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The review findings of issue 24 for Azure, each as a test that fails if the finding comes back. */
class AzureFindingsTest {
    /** High: the run-command body carried treatFailureAsDeploymentFailure, which api-version 2022-08-01 does not define. */
    @Test
    void theRunCommandBodyHasOnlyMembersApiVersion20220801Knows() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            assertEquals(Step.REPAIRED, AzureFixture.vm(f.run("--resource-group", "prod"), "prod/web01").step());
            List<ArmEmulator.Request> puts = f.arm.requests("PUT", "/runCommands/bm-");
            assertEquals(1, puts.size(), "one fix run command");
            for (ArmEmulator.Request p : puts) {
                JsonNode body = JSON.readTree(p.body());
                assertFalse(body.at("/properties").has("treatFailureAsDeploymentFailure"), p.body());
                // the same body sent with the old api-version is accepted: every member exists there
                assertEquals(201, RawArm.send(f.arm, "PUT", p.path().replace("/bm-", "/replay-"), "2022-08-01", p.body()).statusCode());
            }
        }
    }

    /** The emulator refuses what ARM refuses: the old script's body, with the member 2022-08-01 lacks. */
    @Test
    void armRefusesTreatFailureAsDeploymentFailureWithApiVersion20220801() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            String old = "{\"location\":\"westeurope\",\"properties\":{\"source\":{\"script\":\"true\"},\"asyncExecution\":true,\"timeoutInSeconds\":5400,"
                    + "\"treatFailureAsDeploymentFailure\":false}}";
            String url = f.worker.get("id").asText() + "/runCommands/bootmedic-lun10";
            var r = RawArm.send(f.arm, "PUT", url, "2022-08-01", old);
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("InvalidRequestContent") && r.body().contains("treatFailureAsDeploymentFailure"), r.body());
            assertEquals(201, RawArm.send(f.arm, "PUT", url, "2025-04-01", old).statusCode(), "2025-04-01 knows the member");
        }
    }

    /** High: the copy was detached after one failed status poll or a dropped connection while bootmedic still wrote. */
    @Test
    void failedAndDroppedStatusPollsNeverLetTheCopyGoWhileTheWriterRuns() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            f.arm.workers.defaults = new WorkerSim.Behaviour(WorkerSim.Mode.FIXES, 1500, 0);
            f.arm.fail500("GET", "/runCommands/bm-", 2).dropBefore("GET", "/runCommands/bm-", 2).dropAfter("GET", "/runCommands/bm-", 1);
            RunReport r = f.run("--resource-group", "prod");
            assertEquals(Step.REPAIRED, AzureFixture.vm(r, "prod/web01").step(), r.vms().toString());
            f.clean(); // no write after the copy left the worker
        }
    }

    /** High: TimedOut kills only bash; the orphaned bootmedic writes on. The copy stays until the worker says nothing holds it. */
    @Test
    void aTimedOutRunCommandKeepsTheCopyOnTheWorkerUntilTheOrphanedWriterEnds() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            f.arm.workers.behaviours.put(ArmState.key(original), new WorkerSim.Behaviour(WorkerSim.Mode.HANGS, 0, 1500));
            f.arm.runCommandApi().millisPerTimeoutSecond = 5; // --run-timeout 60 lasts 300 ms here
            RunReport r = f.run("--resource-group", "prod", "--run-timeout", "60");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertTrue(v.reason().contains("TIMED_OUT"), v.reason());
            assertEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
            assertTrue(f.arm.requests("PUT", "/runCommands/bootmedic-release-lun10").size() >= 2, "the worker was asked until it said the LUN is free");
            f.clean(); // the orphan's last write found the copy still on the worker
        }
    }

    @Test
    void theWriterExitIsSeenOnlyInWorkerFixsLastLine() {
        var timedOut = new com.azure.resourcemanager.compute.models.VirtualMachineRunCommandInstanceView()
                .withExecutionState(com.azure.resourcemanager.compute.models.ExecutionState.TIMED_OUT).withOutput("BOOTMEDIC_DEVICE=/dev/sdc\n");
        var info = RunCommands.info("x", timedOut);
        assertEquals(CommandState.TIMED_OUT, info.state());
        assertFalse(info.writerExited(), "the handler killed the shell: the writer was not seen to exit");
        var stopped = new com.azure.resourcemanager.compute.models.VirtualMachineRunCommandInstanceView()
                .withExecutionState(com.azure.resourcemanager.compute.models.ExecutionState.FAILED).withOutput("worker-fix: stopped by TERM\nBOOTMEDIC_EXIT=1\n");
        assertTrue(RunCommands.info("x", stopped).writerExited(), "worker-fix.sh's TERM trap waited for bootmedic, then printed its exit");
        var clean = new com.azure.resourcemanager.compute.models.VirtualMachineRunCommandInstanceView()
                .withExecutionState(com.azure.resourcemanager.compute.models.ExecutionState.SUCCEEDED)
                .withOutput("NOTHING TO FIX: no faulty file on 1 Windows volume(s).\nBOOTMEDIC_EXIT=0\n");
        assertFalse(RunCommands.info("x", clean).changed(), "a clean disk is not a changed copy");
        var running = new com.azure.resourcemanager.compute.models.VirtualMachineRunCommandInstanceView()
                .withExecutionState(com.azure.resourcemanager.compute.models.ExecutionState.RUNNING).withOutput("BOOTMEDIC_EXIT=0\nFIXED: 1\n");
        assertFalse(RunCommands.info("x", running).writerExited());
    }

    /** Medium: resume restarted the run command without looking at the running one. */
    @Test
    void resumeFindsTheRunningRunCommandAndStartsNoSecondWriter(@TempDir Path tmp) throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            f.arm.workers.defaults = new WorkerSim.Behaviour(WorkerSim.Mode.FIXES, 1500, 0);
            FileJournalStore journal = new FileJournalStore(tmp.resolve("run.jsonl"));
            Connection c = f.connect("--resource-group", "prod");
            assertThrows(Interrupt.Died.class, () -> Engine.run(c.provider(), journal, Interrupt.clockUntil(() -> !f.arm.workers.fixStarts.isEmpty()),
                    AzureFixture.config(c), AzureFixture.RUN));
            RunReport r = f.resume(journal, "--resource-group", "prod");
            assertEquals(Step.REPAIRED, AzureFixture.vm(r, "prod/web01").step());
            assertEquals(1, f.arm.workers.fixStarts.get(ArmState.key(f.osDisk(vm))), "one writer on the copy, started once");
            assertEquals(1, f.arm.requests("PUT", "/runCommands/bm-").size(), "the fix run command was sent once");
            f.clean();
        }
    }

    /** Low: attributes were dropped from the copy (zone, SKU, tags, encryption set, Hyper-V generation, security profile). */
    @Test
    void theCopyKeepsTheOriginalsAttributes() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            ObjectNode od = f.st.disk(f.osDisk(vm));
            String des = "/subscriptions/" + ArmState.SUB + "/resourceGroups/kv/providers/Microsoft.Compute/diskEncryptionSets/des1";
            ((ObjectNode) od.get("tags")).put("costcenter", "42");
            ((ObjectNode) od.get("sku")).put("name", "PremiumV2_LRS");
            ObjectNode p = (ObjectNode) od.get("properties");
            p.put("hyperVGeneration", "V2");
            p.putObject("encryption").put("type", "EncryptionAtRestWithCustomerKey").put("diskEncryptionSetId", des);
            p.putObject("securityProfile").put("securityType", "TrustedLaunch");
            p.putObject("supportedCapabilities").put("diskControllerTypes", "SCSI, NVMe").put("architecture", "x64");
            ((ObjectNode) vm.at("/properties/storageProfile/osDisk/managedDisk")).putObject("diskEncryptionSet").put("id", des);
            RunReport r = f.run("--resource-group", "prod");
            assertEquals(Step.REPAIRED, AzureFixture.vm(r, "prod/web01").step(), r.vms().toString());
            ObjectNode copy = f.st.disk(f.osDisk(vm));
            assertEquals("bm-abcd1234-" + f.st.vmId(vm) + "-copy1", copy.get("name").asText());
            assertEquals("[\"1\"]", copy.get("zones").toString());
            assertEquals("PremiumV2_LRS", copy.at("/sku/name").asText());
            assertEquals("42", copy.at("/tags/costcenter").asText());
            assertEquals("abcd1234", copy.at("/tags/bootmedic-run").asText());
            assertEquals(des, copy.at("/properties/encryption/diskEncryptionSetId").asText());
            assertEquals("V2", copy.at("/properties/hyperVGeneration").asText());
            assertEquals("TrustedLaunch", copy.at("/properties/securityProfile/securityType").asText());
            assertEquals("SCSI, NVMe", copy.at("/properties/supportedCapabilities/diskControllerTypes").asText());
            f.clean();
        }
    }

    @Test
    void aZoneRedundantDiskIsCopiedWithoutAZoneAndAttachesToAZonalWorker() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode d = f.st.addDisk("prod", "web01_os", "westeurope", null, "Premium_ZRS", 127);
            ObjectNode vm = f.st.addVm("prod", "web01", "westeurope", "1", "Windows", d);
            RunReport r = f.run("--resource-group", "prod");
            assertEquals(Step.REPAIRED, AzureFixture.vm(r, "prod/web01").step(), r.vms().toString());
            ObjectNode copy = f.st.disk(f.osDisk(vm));
            assertFalse(copy.has("zones"));
            assertEquals("Premium_ZRS", copy.at("/sku/name").asText());
            f.clean();
        }
    }

    /** Scale-set members, dual-pass ADE and confidential VMs are refused before anything changes. */
    @Test
    void scaleSetDualPassAndConfidentialVmsAreNeverStopped() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vmss = f.st.addWindowsVm("prod", "ss01", "westeurope", "1");
            ((ObjectNode) vmss.get("properties")).putObject("virtualMachineScaleSet").put("id",
                    "/subscriptions/" + ArmState.SUB + "/resourceGroups/prod/providers/Microsoft.Compute/virtualMachineScaleSets/ss");
            ObjectNode ade = f.st.addWindowsVm("prod", "ade01", "westeurope", "1");
            ((ObjectNode) ade.at("/properties/storageProfile/osDisk")).putObject("encryptionSettings").put("enabled", true).putObject("diskEncryptionKey")
                    .put("secretUrl", "https://v.vault.azure.net/secrets/bek/0123");
            ObjectNode cvm = f.st.addWindowsVm("prod", "cvm01", "westeurope", "1");
            ((ObjectNode) cvm.get("properties")).putObject("securityProfile").put("securityType", "ConfidentialVM");
            RunReport r = f.run("--resource-group", "prod");
            assertTrue(AzureFixture.vm(r, "prod/ss01").reason().contains("scale set"), AzureFixture.vm(r, "prod/ss01").reason());
            assertTrue(AzureFixture.vm(r, "prod/ade01").reason().contains("GUEST_DUAL_PASS"), AzureFixture.vm(r, "prod/ade01").reason());
            assertTrue(AzureFixture.vm(r, "prod/cvm01").reason().contains("CONFIDENTIAL"), AzureFixture.vm(r, "prod/cvm01").reason());
            r.vms().forEach(v -> assertEquals(Step.SKIPPED, v.step(), v.toString()));
            assertEquals(List.of(), f.st.powerCalls, "nothing was stopped");
            assertTrue(f.st.snapshots.isEmpty());
        }
    }

    /** ARM's 429 with Retry-After is THROTTLED (the engine backs off and paces), not a failure. */
    @Test
    void a429IsThrottledAndTheRunGoesOn() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            Connection c = f.connect("--resource-group", "prod");
            f.arm.throttle("GET", "/virtualMachines/web01", 1, 17);
            CloudException e = assertThrows(CloudException.class, () -> c.provider().describeVm(vm.get("id").asText()));
            assertEquals(CloudException.Kind.THROTTLED, e.kind());
            assertTrue(e.getMessage().contains("Retry-After 17"), e.getMessage());
            // few: each throttled call doubles the engine's gap between all calls (its adaptive pacing), which a test pays in real time
            f.arm.throttle("GET", "/virtualMachines/web01", 2, 1).throttle("POST", "/deallocate", 1, 1).throttle("PUT", "/snapshots/", 1, 1);
            RunReport r = f.run("--resource-group", "prod");
            assertEquals(Step.REPAIRED, AzureFixture.vm(r, "prod/web01").step(), r.vms().toString());
            f.clean();
        }
    }

    /** Long-running operations that ARM accepts and then fails (Azure-AsyncOperation status Failed). */
    @Test
    void aSnapshotFailingAsynchronouslyIsTakenAgain() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            f.arm.failAsync("PUT", "-snap1", "InternalDiskManagementError", "An internal disk management error occurred.");
            RunReport r = f.run("--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.REPAIRED, v.step(), v.toString());
            assertEquals(2, v.attempt(), "the failed snapshot was followed by a second");
            f.clean();
        }
    }

    @Test
    void aSwapFailingAsynchronouslyRollsTheVmBackToItsOriginal() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            f.arm.failAsync("PATCH", "/virtualMachines/web01", "OperationNotAllowed", "The disk cannot be used as an OS disk.");
            RunReport r = f.run("--resource-group", "prod");
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertTrue(v.reason().contains("failed in Azure") && v.reason().contains("cannot be used as an OS disk"), v.reason());
            assertEquals(original, f.osDisk(vm));
            assertEquals("running", f.power(vm));
            assertFalse(f.st.disks.keySet().stream().anyMatch(k -> k.contains("-copy")), "the unused copy is deleted");
            f.clean();
        }
    }

    @Test
    void discoveryFollowsNextLinkPages() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            for (int i = 1; i <= 5; i++) {
                f.st.addVm("prod", "lin0" + i, "westeurope", "1", "Linux", f.st.addDisk("prod", "lin0" + i + "_os", "westeurope", "1", "Premium_LRS", 30));
            }
            RunReport r = f.run("--resource-group", "prod");
            assertEquals(5, r.vms().size(), "every page was read");
            assertTrue(f.arm.requests.stream().anyMatch(q -> q.method().equals("GET") && q.path().toLowerCase(java.util.Locale.ROOT).endsWith("/virtualmachines")
                    && q.apiVersion() != null), "listed");
            assertEquals(List.of(), f.st.powerCalls, "Linux VMs are never stopped");
        }
    }

    /** The fix's PUT applied but its answer lost: the next look finds the run command by name; no second writer. */
    @Test
    void aFixWhoseAnswerWasLostIsFoundNotStartedAgain() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            f.arm.workers.defaults = new WorkerSim.Behaviour(WorkerSim.Mode.FIXES, 800, 0);
            f.arm.dropAfter("PUT", "/runCommands/bm-", 1);
            RunReport r = f.run("--resource-group", "prod");
            assertEquals(Step.REPAIRED, AzureFixture.vm(r, "prod/web01").step(), r.vms().toString());
            assertEquals(1, f.arm.workers.fixStarts.get(ArmState.key(f.osDisk(vm))));
            f.clean();
        }
    }

    /** The engine stops a fix past its deadline: the run command is deleted, its orphan writes on, and the copy waits for it. */
    @Test
    void aCancelledFixKeepsTheCopyUntilTheWorkerSaysItIsFree() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            String original = f.osDisk(vm);
            f.arm.workers.behaviours.put(ArmState.key(original), new WorkerSim.Behaviour(WorkerSim.Mode.HANGS, 0, 1500));
            Connection c = f.connect("--resource-group", "prod");
            var cfg = new io.bootmedic.cloud.engine.EngineConfig(c.workers(), 4, 50, 500, 200, 60_000, 1_000, 30_000, 5, 10, 3, 10, 200);
            RunReport r = Engine.run(c.provider(), new io.bootmedic.cloud.engine.MemoryJournalStore(), io.bootmedic.cloud.engine.Clock.SYSTEM, cfg, AzureFixture.RUN);
            VmRecord v = AzureFixture.vm(r, "prod/web01");
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertEquals(1, f.arm.requests("DELETE", "/runCommands/bm-").size(), "stopped by deleting the run command");
            assertEquals(original, f.osDisk(vm));
            f.clean();
        }
    }

    @Test
    void aTakenNameIsRefusedNotOverwrittenAndLongNamesAreRefused() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode vm = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            Connection c = f.connect("--resource-group", "prod");
            var p = c.provider();
            String disk = f.osDisk(vm);
            p.createSnapshot(disk, "bm-abcd1234-x-snap1", java.util.Map.of("bootmedic-run", "abcd1234"));
            CloudException e = assertThrows(CloudException.class, () -> p.createSnapshot(disk, "bm-abcd1234-x-snap1", java.util.Map.of("bootmedic-run", "other")));
            assertEquals(CloudException.Kind.ALREADY_EXISTS, e.kind(), e.getMessage());
            assertEquals("abcd1234", p.findSnapshot("bm-abcd1234-x-snap1").orElseThrow().tags().get("bootmedic-run"), "the first one's tags are kept");
            assertEquals(80, p.maxNameLength());
            CloudException longName = assertThrows(CloudException.class, () -> p.createSnapshot(disk, "s".repeat(81), java.util.Map.of()));
            assertEquals(CloudException.Kind.FATAL, longName.kind());
        }
    }

    /** Azure keeps at most 25 managed run commands per VM: a worker serving a fleet must not keep one per repaired VM. */
    @Test
    void aWorkerServesMoreVmsThanItMayKeepRunCommands() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            for (int i = 1; i <= 4; i++) {
                f.st.addWindowsVm("prod", "web0" + i, "westeurope", "1");
            }
            f.arm.runCommandApi().maxPerVm = 2; // a release check and one fix at a time fit; a kept fix per VM would not
            RunReport r = f.run("--resource-group", "prod");
            r.vms().forEach(v -> assertEquals(Step.REPAIRED, v.step(), v.toString()));
            f.clean();
        }
    }
}
