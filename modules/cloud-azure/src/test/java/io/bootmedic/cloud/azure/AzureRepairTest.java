package io.bootmedic.cloud.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
}
