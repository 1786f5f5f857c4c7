package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.bootmedic.massremediation.azure.ComputeState.JSON;
import static io.bootmedic.massremediation.azure.ComputeState.key;

/**
 * Microsoft.Compute/virtualMachines: GET (with $expand=instanceView), list, PUT (what 'az vm update',
 * 'az vm disk attach/detach' send: the whole VM), deallocate, start, runCommand. Rules are the ones
 * Azure documents for what the script does: the OS disk can only be swapped while the VM is
 * deallocated; a disk attaches to one VM at a time, in its own zone (ZRS and regional disks anywhere
 * in the region); a disk with ADE encryption settings cannot be a data disk of a VM without ADE
 * ("contains encryption settings and therefore cannot be used as a data disk", Microsoft's BitLocker
 * boot error troubleshooting page); one Run Command at a time per VM (409 Conflict).
 */
final class VmApi {
    private final ArmEmulator emu;
    private final ComputeState st;

    VmApi(ArmEmulator emu) {
        this.emu = emu;
        this.st = emu.state;
    }

    ArmEmulator.Reply handle(String method, String rg, String name, String action, ObjectNode in, Map<String, String> q) {
        String api = q.getOrDefault("api-version", "2022-08-01");
        if (name == null) {
            return emu.list(st.vms, rg);
        }
        ObjectNode vm = st.vm(rg, name);
        if (vm == null) {
            throw new ArmEmulator.ArmError(404, "ResourceNotFound",
                    "The Resource 'Microsoft.Compute/virtualMachines/" + name + "' under resource group '" + rg + "' was not found.");
        }
        String id = vm.get("id").asText();
        if (action == null && method.equals("GET")) {
            ObjectNode copy = vm.deepCopy();
            if (q.getOrDefault("$expand", "").equalsIgnoreCase("instanceView")) {
                ((ObjectNode) copy.get("properties")).set("instanceView", instanceView(id));
            }
            return new ArmEmulator.Reply(200, copy);
        }
        if ("instanceView".equalsIgnoreCase(action) && method.equals("GET")) {
            return new ArmEmulator.Reply(200, instanceView(id));
        }
        if (action == null && (method.equals("PUT") || method.equals("PATCH"))) {
            return update(vm, in, api);
        }
        if (method.equals("POST") && action != null) {
            switch (action.toLowerCase()) {
                case "deallocate" -> {
                    ArmEmulator.Operation o = emu.startOperation(vm.get("location").asText(), () -> setPower(vm, "deallocated"));
                    setPower(vm, "deallocating");
                    return emu.accepted(202, null, o, api, true);
                }
                case "start" -> {
                    ArmEmulator.Operation o = emu.startOperation(vm.get("location").asText(), () -> setPower(vm, "running"));
                    setPower(vm, "starting");
                    return emu.accepted(202, null, o, api, true);
                }
                case "runcommand" -> {
                    return runCommand(vm, in, api);
                }
                default -> throw new ArmEmulator.ArmError(400, "BadRequest", "action " + action + " is not emulated");
            }
        }
        throw new ArmEmulator.ArmError(405, "MethodNotAllowed", method + " " + action);
    }

    private ObjectNode instanceView(String id) {
        ObjectNode iv = JSON.createObjectNode();
        ArrayNode s = iv.putArray("statuses");
        s.addObject().put("code", "ProvisioningState/succeeded").put("level", "Info").put("displayStatus", "Provisioning succeeded");
        String p = st.power.get(key(id));
        s.addObject().put("code", "PowerState/" + p).put("level", "Info").put("displayStatus", "VM " + p);
        return iv;
    }

    private void setPower(ObjectNode vm, String p) {
        st.power.put(key(vm.get("id").asText()), p);
        ObjectNode os = st.disk(st.osDiskId(vm));
        if (os != null) {
            ((ObjectNode) os.get("properties")).put("diskState", p.equals("deallocated") ? "Reserved" : "Attached");
        }
    }

    /** Validates the requested VM model against the current one now (ARM answers bad requests at once), applies it when the operation completes. */
    private ArmEmulator.Reply update(ObjectNode vm, ObjectNode in, String api) {
        String id = vm.get("id").asText();
        if (vm.at("/properties/provisioningState").asText().equals("Updating")) {
            throw new ArmEmulator.ArmError(409, "Conflict", "The request failed due to conflict with a concurrent request. "
                    + "To resolve it, please refer to https://aka.ms/activitylog to get more details on the conflicting requests.");
        }
        String vmZone = vm.has("zones") ? vm.get("zones").get(0).asText() : null;
        boolean patch = !in.has("location"); // PATCH bodies (VirtualMachineUpdate) carry only what changes
        JsonNode newStorage = in.at("/properties/storageProfile");
        String newOs = newStorage.at("/osDisk/managedDisk/id").asText(st.osDiskId(vm));
        String oldOs = st.osDiskId(vm);
        boolean swap = !newOs.equalsIgnoreCase(oldOs);
        if (swap) {
            if (!"deallocated".equals(st.power.get(key(id)))) {
                throw new ArmEmulator.ArmError(409, "OperationNotAllowed",
                        "The OS disk of VM '" + vm.get("name").asText() + "' can only be changed when the VM is stopped (deallocated).");
            }
            ObjectNode nd = mustExist(newOs);
            checkFree(nd, id);
            checkZone(nd, vmZone, vm);
        }
        Map<Integer, String> before = st.luns(vm);
        Map<Integer, String> after = new HashMap<>();
        if (patch && !newStorage.has("dataDisks")) {
            after.putAll(before);
        }
        List<ObjectNode> attach = new ArrayList<>();
        for (JsonNode d : ArmEmulator.iterable(newStorage.get("dataDisks"))) {
            if (d.path("toBeDetached").asBoolean(false)) {
                continue;
            }
            int lun = d.get("lun").asInt();
            String did = d.at("/managedDisk/id").asText();
            if (after.put(lun, did) != null) {
                throw new ArmEmulator.ArmError(400, "InvalidParameter", "Two data disks use LUN " + lun + ".");
            }
            if (!before.containsKey(lun) || !before.get(lun).equalsIgnoreCase(did)) {
                ObjectNode nd = mustExist(did);
                checkFree(nd, id);
                checkZone(nd, vmZone, vm);
                if (nd.at("/properties/encryptionSettingsCollection/enabled").asBoolean(false) && !st.adeVms.contains(key(id))) {
                    throw new ArmEmulator.ArmError(409, "OperationNotAllowed", "Disk '" + nd.get("name").asText()
                            + "' contains encryption settings and therefore cannot be used as a data disk.");
                }
                attach.add(nd);
            }
        }
        JsonNode tags = in.get("tags");
        ((ObjectNode) vm.get("properties")).put("provisioningState", "Updating");
        ArmEmulator.Operation o = emu.startOperation(vm.get("location").asText(), () -> {
            if (swap) {
                ObjectNode nd = st.disk(newOs);
                ObjectNode od = st.disk(oldOs);
                if (od != null) {
                    st.detachDisk(od);
                }
                ObjectNode os = (ObjectNode) vm.at("/properties/storageProfile/osDisk");
                os.put("name", nd.get("name").asText());
                ((ObjectNode) os.get("managedDisk")).put("id", nd.get("id").asText()).put("storageAccountType", nd.at("/sku/name").asText());
                st.attachDisk(nd, id);
            }
            for (Map.Entry<Integer, String> e : before.entrySet()) {
                if (!e.getValue().equalsIgnoreCase(after.get(e.getKey()))) {
                    ObjectNode d = st.disk(e.getValue());
                    if (d != null) {
                        st.detachDisk(d);
                    }
                }
            }
            for (ObjectNode nd : attach) {
                st.attachDisk(nd, id);
            }
            ArrayNode dd = st.dataDisks(vm);
            dd.removeAll();
            after.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                ObjectNode d = dd.addObject();
                ObjectNode disk = st.disk(e.getValue());
                d.put("lun", e.getKey()).put("name", disk.get("name").asText()).put("createOption", "Attach").put("caching", "None");
                d.putObject("managedDisk").put("id", disk.get("id").asText()).put("storageAccountType", disk.at("/sku/name").asText());
                d.put("diskSizeGB", disk.at("/properties/diskSizeGB").asInt()).put("toBeDetached", false);
            });
            if (tags != null) {
                vm.set("tags", tags.deepCopy());
            }
            ((ObjectNode) vm.get("properties")).put("provisioningState", "Succeeded");
        });
        return emu.accepted(200, vm.deepCopy(), o, api, false);
    }

    private ObjectNode mustExist(String diskId) {
        ObjectNode d = st.disk(diskId);
        if (d == null) {
            throw new ArmEmulator.ArmError(404, "NotFound", "Disk '" + diskId + "' was not found.");
        }
        return d;
    }

    private void checkFree(ObjectNode disk, String vmId) {
        String by = disk.path("managedBy").asText("");
        if (!by.isEmpty() && !by.equalsIgnoreCase(vmId)) {
            throw new ArmEmulator.ArmError(409, "OperationNotAllowed", "Disk '" + disk.get("name").asText()
                    + "' is already attached to VM '" + by + "'.");
        }
    }

    private void checkZone(ObjectNode disk, String vmZone, ObjectNode vm) {
        String dz = disk.has("zones") ? disk.get("zones").get(0).asText() : null;
        if (dz != null && !dz.equals(vmZone)) {
            throw new ArmEmulator.ArmError(400, "BadRequest", "Disk '" + disk.get("name").asText() + "' is in zone " + dz
                    + " and cannot be attached to VM '" + vm.get("name").asText() + "' in zone " + vmZone + ".");
        }
    }

    private ArmEmulator.Reply runCommand(ObjectNode vm, ObjectNode in, String api) {
        String vmKey = key(vm.get("id").asText());
        ArmEmulator.Operation running = emu.runningCommands.get(vmKey);
        if (running != null && running.status.equals("InProgress")) {
            throw new ArmEmulator.ArmError(409, "Conflict",
                    "Run command extension execution is in progress. Please wait for completion before invoking a run command.");
        }
        List<String> script = new ArrayList<>();
        ArmEmulator.iterable(in.get("script")).forEach(s -> script.add(s.asText()));
        WorkerSimulator.Outcome out = emu.worker.run(st, vm, script);
        ArmEmulator.Operation o = emu.startOperation(vm.get("location").asText(), null);
        o.doneAtMillis = System.currentTimeMillis() + out.millis();
        o.pollsLeft = Integer.MAX_VALUE;
        o.onDone = () -> {
            out.effect().run();
            ObjectNode r = JSON.createObjectNode();
            r.putArray("value").addObject().put("code", "ProvisioningState/succeeded").put("level", "Info")
                    .put("displayStatus", "Provisioning succeeded").put("message", "Enable succeeded: \n[stdout]\n" + out.stdout() + "\n[stderr]\n" + out.stderr() + "\n");
            o.result = r;
        };
        emu.runningCommands.put(vmKey, o);
        return emu.accepted(202, null, o, api, true);
    }
}
