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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --ade on a single-pass ADE VM whose OS disk is zone-redundant (Premium_ZRS) in zone 2, with the
 * worker in zone 1: the copy is made without a zone (a ZRS disk cannot be created in one), its
 * encryption settings are off while it is a data disk (the emulator refuses to attach it otherwise,
 * as Azure does) and on again before it becomes the OS disk; the worker fetches the BEK itself.
 */
class AzureAdeZrsRouteTest {
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
    void adeVmOnAZoneRedundantDiskIsRepairedOnAWorkerInAnotherZone() throws Exception {
        ObjectNode disk = f.st.addDisk("rg1", "vm1_OsDisk_1", "westeurope", null, "Premium_ZRS", 127);
        ComputeState.singlePassAde(disk, null);
        ObjectNode vm = f.st.addVm("rg1", "vm1", "westeurope", "2", "Windows", disk);
        String original = f.st.osDiskId(vm);
        String bek = disk.at("/properties/encryptionSettingsCollection/encryptionSettings/0/diskEncryptionKey/secretUrl").asText();

        AzEnvironment.Result r = f.fix("--resource-group", "rg1", "--vm", "vm1", "--ade");

        assertEquals(0, r.exit(), r.toString());
        String now = f.osDisk("rg1", "vm1");
        assertNotEquals(original, now);
        ObjectNode copy = f.st.disk(now);
        assertFalse(copy.has("zones"), "a ZRS copy has no zone: " + copy);
        assertEquals("Premium_ZRS", copy.at("/sku/name").asText());
        assertTrue(copy.at("/properties/encryptionSettingsCollection/enabled").asBoolean(), "ADE settings are on again: " + copy);
        assertTrue(f.st.disk(original).at("/properties/encryptionSettingsCollection/enabled").asBoolean(), "the original is untouched");
        assertEquals(1, f.repairs(now));
        assertEquals(0, f.repairs(original));
        assertEquals(List.of("--azure-lun", "10", "--expect-size", String.valueOf(127 * ComputeState.GIB), "--bek-secret-url", bek),
                WorkerSimulator.workerArgs(f.st.runCommandScripts));
        assertEquals(original, f.st.tag(f.vm("rg1", "vm1"), "bootmedicOriginalOsDisk"));
        assertEquals("running", f.power("rg1", "vm1"));
        f.workerIsEmpty();
    }
}
