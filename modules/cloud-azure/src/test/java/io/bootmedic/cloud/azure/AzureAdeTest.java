package io.bootmedic.cloud.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --ade (kept from remediate.sh): a single-pass ADE VM on a zone-redundant disk in zone 2, the worker in zone 1. The copy
 * has no zone, its ADE settings are off while it is the worker's data disk (ARM refuses it otherwise) and on again
 * before it becomes the OS disk; the worker reads the BEK from Key Vault itself (--bek-secret-url). Without --ade, or with
 * a KEK, nothing changes.
 */
class AzureAdeTest {
    @Test
    void aSinglePassAdeVmIsRepairedWithAde() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode disk = f.st.addDisk("prod", "vm1_os", "westeurope", null, "Premium_ZRS", 127);
            ArmState.singlePassAde(disk, null);
            ObjectNode vm = f.st.addVm("prod", "vm1", "westeurope", "2", "Windows", disk);
            String original = f.osDisk(vm);
            String bek = disk.at("/properties/encryptionSettingsCollection/encryptionSettings/0/diskEncryptionKey/secretUrl").asText();
            RunReport r = f.run("--resource-group", "prod", "--ade");
            VmRecord v = AzureFixture.vm(r, "prod/vm1");
            assertEquals(Step.REPAIRED, v.step(), v.toString());
            String now = f.osDisk(vm);
            assertNotEquals(original, now);
            ObjectNode copy = f.st.disk(now);
            assertFalse(copy.has("zones"), copy.toString());
            assertTrue(copy.at("/properties/encryptionSettingsCollection/enabled").asBoolean(), "ADE settings are on again: " + copy);
            assertTrue(f.st.disk(original).at("/properties/encryptionSettingsCollection/enabled").asBoolean(), "the original is untouched");
            assertEquals(1, f.st.fixed.getOrDefault(ArmState.key(now), 0));
            assertTrue(f.arm.requests("PUT", "/runCommands/bm-").get(0).body().contains(bek.replace("/", "\\/")) || f.arm.requests("PUT", "/runCommands/bm-").get(0)
                    .body().contains(bek), "the worker is given the BEK's secret URL, never the key");
            f.clean();
        }
    }

    @Test
    void withoutAdeOrWithAKekNothingChanges() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode d1 = f.st.addDisk("prod", "vm1_os", "westeurope", "1", "Premium_LRS", 127);
            ArmState.singlePassAde(d1, null);
            f.st.addVm("prod", "vm1", "westeurope", "1", "Windows", d1);
            ObjectNode d2 = f.st.addDisk("prod", "vm2_os", "westeurope", "1", "Premium_LRS", 127);
            ArmState.singlePassAde(d2, "https://vault1.vault.azure.net/keys/kek/01");
            f.st.addVm("prod", "vm2", "westeurope", "1", "Windows", d2);
            RunReport r = f.run("--resource-group", "prod");
            assertTrue(AzureFixture.vm(r, "prod/vm1").reason().contains("run again with --ade"), AzureFixture.vm(r, "prod/vm1").reason());
            RunReport r2 = f.run("--resource-group", "prod", "--vm", "vm2", "--ade");
            assertTrue(AzureFixture.vm(r2, "prod/vm2").reason().contains("key-encryption key"), AzureFixture.vm(r2, "prod/vm2").reason());
            assertEquals(Step.SKIPPED, AzureFixture.vm(r, "prod/vm1").step(), "skipped with its reason, not a failure");
            assertEquals(Step.SKIPPED, AzureFixture.vm(r2, "prod/vm2").step());
            assertEquals(List.of(), f.st.powerCalls, "nothing was stopped");
            assertTrue(f.st.snapshots.isEmpty());
        }
    }
}
