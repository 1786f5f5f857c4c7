package io.bootmedic.cloud.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.azure.arm.WorkerSim;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded faults on every kind of call the adapter makes (429, 500, connections dropped before and after the request is
 * applied, async failures) and every worker behaviour, two VMs sharing one worker's two LUNs: after each run, no write
 * broke the rules, nothing is left on the worker, and every VM is repaired or on its original, running, or untouched.
 * The faults are drawn from the seed (the ARM timing is real, so a failing seed shows its faults, not a replay).
 */
class AzureFaultSeedsTest {
    private static final List<String[]> CALLS = List.of(new String[] {"GET", "/virtualMachines/"}, new String[] {"POST", "/deallocate"},
            new String[] {"POST", "/start"}, new String[] {"PUT", "/snapshots/"}, new String[] {"GET", "/snapshots/"}, new String[] {"PUT", "/disks/"},
            new String[] {"GET", "/disks/"}, new String[] {"POST", "/attachDetachDataDisks"}, new String[] {"PUT", "/runCommands/"},
            new String[] {"GET", "/runCommands/"}, new String[] {"PATCH", "/virtualMachines/"}, new String[] {"GET", "/operations/"});

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void invariantsHoldUnderSeededFaults(long seed) throws Exception {
        Random rnd = new Random(seed);
        try (AzureFixture f = new AzureFixture()) {
            ObjectNode a = f.st.addWindowsVm("prod", "web01", "westeurope", "1");
            ObjectNode b = f.st.addWindowsVm("prod", "web02", "westeurope", "1");
            java.util.Map<String, String> originals = java.util.Map.of("web01", ArmState.key(f.osDisk(a)), "web02", ArmState.key(f.osDisk(b)));
            WorkerSim.Mode[] modes = WorkerSim.Mode.values();
            for (ObjectNode vm : List.of(a, b)) {
                WorkerSim.Mode m = rnd.nextInt(3) == 0 ? modes[rnd.nextInt(modes.length)] : WorkerSim.Mode.FIXES;
                f.arm.workers.behaviours.put(ArmState.key(f.osDisk(vm)), new WorkerSim.Behaviour(m, 100 + rnd.nextInt(400), rnd.nextInt(800)));
            }
            f.arm.runCommandApi().millisPerTimeoutSecond = 10; // --run-timeout 120: 1.2 s
            StringBuilder faults = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                String[] c = CALLS.get(rnd.nextInt(CALLS.size()));
                int kind = rnd.nextInt(4);
                switch (kind) {
                    case 0 -> f.arm.throttle(c[0], c[1], 1, 1);
                    case 1 -> f.arm.fail500(c[0], c[1], 1 + rnd.nextInt(2));
                    case 2 -> f.arm.dropBefore(c[0], c[1], 1);
                    default -> f.arm.dropAfter(c[0], c[1], 1);
                }
                faults.append(kind).append(' ').append(c[0]).append(' ').append(c[1]).append("; ");
            }
            if (rnd.nextBoolean()) {
                f.arm.failAsync("PUT", "-snap1", "InternalDiskManagementError", "seeded");
                faults.append("async snapshot failure; ");
            }
            RunReport r = f.run("--resource-group", "prod", "--worker-group", "wrg", "--worker", "worker:10,11", "--run-timeout", "120");
            String why = "seed " + seed + " faults " + faults + " -> " + r.vms();
            for (ObjectNode vm : List.of(a, b)) {
                VmRecord v = AzureFixture.vm(r, "prod/" + vm.get("name").asText());
                assertTrue(v.step().terminal() || r.stuck().containsKey(v.uid()), why);
                if (v.step() == Step.REPAIRED) {
                    assertEquals(originals.get(vm.get("name").asText()), f.st.copiedFrom.get(ArmState.key(f.osDisk(vm))), "on a copy of its own disk: " + why);
                    assertEquals(1, f.st.fixed.getOrDefault(ArmState.key(f.osDisk(vm)), 0), why);
                } else if (v.step() != Step.SKIPPED && !r.stuck().containsKey(v.uid())) {
                    assertEquals(originals.get(vm.get("name").asText()), ArmState.key(f.osDisk(vm)), "back on its original: " + why);
                }
                if (!r.stuck().containsKey(v.uid())) {
                    assertEquals("running", f.power(vm), why);
                }
            }
            assertEquals(List.of(), f.st.violations, why);
            if (r.stuck().isEmpty()) {
                assertEquals(java.util.Map.of(), f.st.luns(f.worker), why);
            }
        }
    }
}
