package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The shared cloud of the Azure route tests: worker wrg/worker (Linux, westeurope zone 1) and helpers to run the script and read the emulated state. */
final class AzureRouteFixture {
    final AzEnvironment az;
    final ComputeState st;
    final Path record;

    AzureRouteFixture(Path tmp) throws Exception {
        az = new AzEnvironment(tmp);
        st = az.arm.state;
        record = tmp.resolve("runs.tsv");
        st.addVm("wrg", "worker", "westeurope", "1", "Linux", st.addDisk("wrg", "worker_os", "westeurope", "1", "Premium_LRS", 30));
    }

    AzEnvironment.Result fix(String... extra) throws Exception {
        return fix(Map.of(), extra);
    }

    AzEnvironment.Result fix(Map<String, String> env, String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("fix", "--worker-group", "wrg", "--worker", "worker", "--record", record.toString()));
        a.addAll(List.of(extra));
        return az.script(env, a.toArray(String[]::new));
    }

    AzEnvironment.Result cmd(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--record", record.toString()));
        return az.script(a.toArray(String[]::new));
    }

    ObjectNode vm(String rg, String name) {
        return st.vm(rg, name);
    }

    String osDisk(String rg, String name) {
        return st.osDiskId(vm(rg, name));
    }

    String power(String rg, String name) {
        return st.power.get(ComputeState.key(vm(rg, name).get("id").asText()));
    }

    int repairs(String diskId) {
        return st.repaired.getOrDefault(ComputeState.key(diskId), 0);
    }

    String record() throws Exception {
        return Files.exists(record) ? Files.readString(record) : "";
    }

    /** Nothing of a run is left on the worker: no data disk, no run command running. */
    void workerIsEmpty() {
        assertEquals(Map.of(), st.luns(vm("wrg", "worker")), "data disks left on the worker");
    }

    /** The VM is exactly as before: running on its original disk, not tagged, that disk never repaired. */
    void untouched(String rg, String name, String originalDisk) {
        assertEquals(originalDisk, osDisk(rg, name));
        assertEquals("running", power(rg, name));
        assertNull(st.tag(vm(rg, name), "bootmedicOriginalOsDisk"));
        assertEquals(0, repairs(originalDisk), "the original disk was written");
        assertFalse(st.snapshots.keySet().stream().anyMatch(k -> k.contains("/" + rg.toLowerCase() + "/")), "a snapshot was made");
    }
}
