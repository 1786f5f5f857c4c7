package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/azure/remediate.sh fix with the real az against the emulated ARM: the whole route, and --tag. */
class AzureFixRouteTest {
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
    void fixSwapsInARepairedCopyAndKeepsTheOriginalUntouchedAndRecorded() throws Exception {
        ObjectNode vm = f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        String original = f.st.osDiskId(vm);

        AzEnvironment.Result r = f.fix("--resource-group", "rg1", "--vm", "vm1", "--config", "/etc/bootmedic/agent.conf");

        assertEquals(0, r.exit(), r.toString());
        String now = f.osDisk("rg1", "vm1");
        assertNotEquals(original, now, "the VM runs on the copy");
        assertEquals(1, f.repairs(now), "bootmedic ran on the copy, once");
        assertEquals(0, f.repairs(original), "the original disk was never written");
        assertEquals("running", f.power("rg1", "vm1"));
        assertEquals(original, f.st.tag(f.vm("rg1", "vm1"), "bootmedicOriginalOsDisk"));
        assertEquals(original, f.st.tag(f.st.disk(now), "bootmedicOriginalOsDisk"), "the copy names its original too");
        assertTrue(f.st.disk(original).path("managedBy").isMissingNode(), "the original is detached and kept");
        ObjectNode snap = f.st.snapshots.values().iterator().next();
        assertEquals(original, snap.at("/properties/creationData/sourceResourceId").asText());
        assertTrue(snap.at("/properties/incremental").asBoolean(), "incremental snapshot");
        f.workerIsEmpty();
        assertEquals(List.of(ComputeState.id("wrg", "virtualMachines", "worker") + "/runCommands/bootmedic-lun10"), f.st.runCommandsStarted);
        assertEquals(List.of("--azure-lun", "10", "--expect-size", String.valueOf(127 * ComputeState.GIB), "--config", "/etc/bootmedic/agent.conf"),
                WorkerSimulator.workerArgs(f.st.runCommandScripts));
        assertTrue(r.out().contains("FIXED rg1/vm1"), r.out());
        assertTrue(f.record().contains("rg1\tvm1\tfixed\tstart\t" + original), f.record());

        AzEnvironment.Result back = f.az.script("rollback", "--resource-group", "rg1", "--vm", "vm1");
        assertEquals(0, back.exit(), back.toString());
        assertEquals(original, f.osDisk("rg1", "vm1"), "rollback puts the original back");
        assertEquals(null, f.st.tag(f.vm("rg1", "vm1"), "bootmedicOriginalOsDisk"));
        assertEquals("running", f.power("rg1", "vm1"));
        assertEquals(0, f.repairs(original));
    }

    @Test
    void forceRepairsARepairedVmAgainAndKeepsTheFirstOriginalInTheRecord() throws Exception {
        ObjectNode vm = f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        String original = f.st.osDiskId(vm);
        ObjectNode firstCopy = f.st.addDisk("rg1", "vm1_OsDisk_1-bm-20240718-0600-fixed", "westeurope", "1", "Premium_LRS", 127);
        ((ObjectNode) firstCopy.get("tags")).put("bootmedicOriginalOsDisk", original);
        f.st.detachDisk(f.st.disk(original));
        ObjectNode os = (ObjectNode) vm.at("/properties/storageProfile/osDisk");
        os.put("name", firstCopy.get("name").asText());
        ((ObjectNode) os.get("managedDisk")).put("id", firstCopy.get("id").asText());
        f.st.attachDisk(firstCopy, vm.get("id").asText());
        ((ObjectNode) vm.get("tags")).put("bootmedicOriginalOsDisk", original);
        f.az.arm.snapshotCopyGets = 2; // the incremental snapshot is still copying for two reads

        AzEnvironment.Result r = f.fix("--resource-group", "rg1", "--vm", "vm1", "--force");

        assertEquals(0, r.exit(), r.toString());
        String now = f.osDisk("rg1", "vm1");
        assertNotEquals(firstCopy.get("id").asText(), now);
        assertNotEquals(original, now);
        assertEquals(original, f.st.tag(f.vm("rg1", "vm1"), "bootmedicOriginalOsDisk"), "the first original stays the record");
        assertEquals(original, f.st.tag(f.st.disk(now), "bootmedicOriginalOsDisk"));
        ObjectNode snap = f.st.snapshots.values().iterator().next();
        assertEquals(firstCopy.get("id").asText(), snap.at("/properties/creationData/sourceResourceId").asText(), "the new copy comes from the current disk");
        assertEquals(0, f.repairs(original));
        List<String> log = f.az.arm.requests;
        int diskPut = indexOf(log, "PUT ", "/disks/vm1_OsDisk_1-bm-20240718-0600-fixed-bm-");
        long snapshotReads = log.subList(0, diskPut).stream().filter(q -> q.startsWith("GET ") && q.contains("/snapshots/") && q.contains("-snap?")).count();
        assertTrue(snapshotReads >= 3, "the copy was made only after the snapshot reported 100 %: " + log);
        assertTrue(f.record().contains("\tfixed\tstart\t" + original + "\t"), f.record());
    }

    private static int indexOf(List<String> log, String method, String fragment) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).startsWith(method) && log.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError(method + fragment + " not in " + log);
    }
}
