package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the script refuses or skips BEFORE changing anything, and target selection, with the real az:
 * --tag with --resource-group (issue item 3), VMs it must not touch (item 4), VMs already repaired
 * (item 5), LUN 0/1 and a LUN in use on the worker.
 */
class AzureRefusalRouteTest {
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

    private static List<String> writes(List<String> requests) {
        return requests.stream().filter(r -> !r.startsWith("GET ") && !r.contains("/adfs/")).toList();
    }

    @Test
    void tagWithResourceGroupSelectsTheTaggedVmsOfThatGroup() throws Exception {
        ObjectNode a = f.st.addWindowsVm("rg1", "web01", "westeurope", "1");
        ObjectNode b = f.st.addWindowsVm("rg1", "web02", "westeurope", "1");
        ObjectNode c = f.st.addWindowsVm("rg2", "web03", "westeurope", "1");
        ((ObjectNode) a.get("tags")).put("crowdstrike", "affected");
        ((ObjectNode) c.get("tags")).put("crowdstrike", "affected");
        ((ObjectNode) b.get("tags")).put("crowdstrike", "fine");

        AzEnvironment.Result r = f.fix("--tag", "crowdstrike=affected", "--resource-group", "rg1", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("PLAN rg1/web01"), r.out());
        assertFalse(r.out().contains("web02") || r.out().contains("web03"), r.out());
        assertEquals(List.of(), writes(f.az.arm.requests), "a dry run changes nothing");
        f.untouched("rg1", "web01", f.st.osDiskId(a));

        AzEnvironment.Result all = f.fix("--tag", "crowdstrike=affected", "--dry-run");
        assertEquals(0, all.exit(), all.toString());
        assertTrue(all.out().contains("PLAN rg1/web01") && all.out().contains("PLAN rg2/web03"), all.out());
        assertFalse(all.out().contains("web02"), all.out());
    }

    @Test
    void vmsThatCannotBeRepairedThisWayAreRefusedBeforeAnyChange() throws Exception {
        ObjectNode dual = f.st.addWindowsVm("rg1", "dualpass", "westeurope", "1");
        ((ObjectNode) dual.at("/properties/storageProfile/osDisk")).putObject("encryptionSettings").put("enabled", true)
                .putObject("diskEncryptionKey").put("secretUrl", "https://vault1.vault.azure.net/secrets/dual/1");
        ObjectNode cvm = f.st.addWindowsVm("rg1", "confidential", "westeurope", "1");
        ((ObjectNode) cvm.get("properties")).putObject("securityProfile").put("securityType", "ConfidentialVM");
        ObjectNode eph = f.st.addWindowsVm("rg1", "ephemeral", "westeurope", "1");
        ((ObjectNode) eph.at("/properties/storageProfile/osDisk")).putObject("diffDiskSettings").put("option", "Local").put("placement", "CacheDisk");
        ObjectNode unmanaged = f.st.addWindowsVm("rg1", "unmanaged", "westeurope", "1");
        ObjectNode os = (ObjectNode) unmanaged.at("/properties/storageProfile/osDisk");
        os.remove("managedDisk");
        os.putObject("vhd").put("uri", "https://sa1.blob.core.windows.net/vhds/unmanaged.vhd");
        ObjectNode member = f.st.addWindowsVm("rg1", "member", "westeurope", "1");
        ((ObjectNode) member.get("properties")).putObject("virtualMachineScaleSet").put("id",
                "/subscriptions/" + ComputeState.SUB + "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachineScaleSets/flex1");
        ObjectNode ade = f.st.addWindowsVm("rg1", "ade", "westeurope", "1");
        ComputeState.singlePassAde(f.st.disk(f.st.osDiskId(ade)), null);
        ObjectNode kek = f.st.addWindowsVm("rg1", "kek", "westeurope", "1");
        ComputeState.singlePassAde(f.st.disk(f.st.osDiskId(kek)), "https://vault1.vault.azure.net/keys/kek/1");

        AzEnvironment.Result r = f.fix("--resource-group", "rg1");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), writes(f.az.arm.requests), "nothing was changed anywhere");
        assertTrue(r.err().contains("FAILED rg1/dualpass: it uses dual-pass Azure Disk Encryption"), r.err());
        assertTrue(r.err().contains("FAILED rg1/confidential: it is a Confidential VM"), r.err());
        assertTrue(r.err().contains("FAILED rg1/ephemeral: it has an ephemeral OS disk"), r.err());
        assertTrue(r.err().contains("FAILED rg1/unmanaged: its OS disk is unmanaged"), r.err());
        assertTrue(r.err().contains("FAILED rg1/member: it belongs to the scale set flex1"), r.err());
        assertTrue(r.err().contains("FAILED rg1/kek: Azure Disk Encryption with a key-encryption key"), r.err());
        assertTrue(r.err().contains("FAILED rg1/ade: its OS disk uses Azure Disk Encryption. Run again with --ade"), r.err());
        for (String n : List.of("dualpass", "confidential", "member", "kek", "ade")) {
            assertEquals("running", f.power("rg1", n), n);
        }
    }

    @Test
    void aVmRepairedBeforeIsDoneAndItsOriginalRecordIsNeverReplaced() throws Exception {
        ObjectNode vm = f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        String original = f.st.osDiskId(vm);
        // the state after an earlier run: the VM runs on a copy, both tagged with the original
        ObjectNode copy = f.st.addDisk("rg1", "vm1_OsDisk_1-bm-20240718-0600-fixed", "westeurope", "1", "Premium_LRS", 127);
        ((ObjectNode) copy.get("tags")).put("bootmedicOriginalOsDisk", original);
        f.st.detachDisk(f.st.disk(original));
        ObjectNode os = (ObjectNode) vm.at("/properties/storageProfile/osDisk");
        os.put("name", copy.get("name").asText());
        ((ObjectNode) os.get("managedDisk")).put("id", copy.get("id").asText());
        f.st.attachDisk(copy, vm.get("id").asText());
        ((ObjectNode) vm.get("tags")).put("bootmedicOriginalOsDisk", original);

        AzEnvironment.Result again = f.fix("--resource-group", "rg1", "--vm", "vm1");

        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("DONE rg1/vm1: already repaired"), again.out());
        assertEquals(List.of(), writes(f.az.arm.requests));
        assertEquals(copy.get("id").asText(), f.osDisk("rg1", "vm1"));
        assertEquals(original, f.st.tag(f.vm("rg1", "vm1"), "bootmedicOriginalOsDisk"));

        // the VM's tag lost (someone edited tags): the copy's own tag still says it is a copy
        ((ObjectNode) vm.get("tags")).remove("bootmedicOriginalOsDisk");
        AzEnvironment.Result untagged = f.fix("--resource-group", "rg1", "--vm", "vm1", "--dry-run");
        assertTrue(untagged.out().contains("DONE rg1/vm1"), untagged.out());
    }

    @Test
    void lunZeroAndOneAndABusyLunAreRefused() throws Exception {
        ObjectNode vm = f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        AzEnvironment.Result zero = f.fix("--resource-group", "rg1", "--vm", "vm1", "--lun", "1");
        assertEquals(2, zero.exit(), zero.toString());
        assertTrue(zero.err().contains("LUN 0 and 1"), zero.err());

        ObjectNode other = f.st.addDisk("wrg", "someone-elses-disk", "westeurope", "1", "Premium_LRS", 64);
        ObjectNode d = f.st.dataDisks(f.vm("wrg", "worker")).addObject();
        d.put("lun", 10).put("name", "someone-elses-disk").put("createOption", "Attach");
        d.putObject("managedDisk").put("id", other.get("id").asText());
        f.st.attachDisk(other, f.vm("wrg", "worker").get("id").asText());

        AzEnvironment.Result busy = f.fix("--resource-group", "rg1", "--vm", "vm1");
        assertEquals(1, busy.exit(), busy.toString());
        assertTrue(busy.err().contains("LUN 10 of the worker holds someone-elses-disk already"), busy.err());
        assertEquals(List.of(), writes(f.az.arm.requests));
        f.untouched("rg1", "vm1", f.st.osDiskId(vm));
    }
}
