package io.bootmedic.cloud.azure.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

import static io.bootmedic.cloud.azure.arm.ArmState.JSON;
import static io.bootmedic.cloud.azure.arm.ArmState.key;

/**
 * Microsoft.Compute/virtualMachines: GET (with $expand=instanceView: power state and guest agent), PATCH (the OS-disk
 * swap), and the POST actions deallocate, start and attachDetachDataDisks. The rules Azure documents for them: the OS
 * disk changes only on a deallocated VM; a disk attaches to one VM at a time, in its own zone and region, at a free LUN;
 * one update of a VM at a time (409 Conflict while one runs).
 */
final class VmApi {
    private final ArmEmulator emu;
    private final ArmState st;

    VmApi(ArmEmulator emu) {
        this.emu = emu;
        this.st = emu.state;
    }

    ArmEmulator.Reply handle(String method, String rg, String name, String action, JsonNode in, Map<String, String> q, String api, String path) {
        ObjectNode vm = st.vm(rg, name);
        if (vm == null) {
            throw new ArmError(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + name + "' under resource group '" + rg + "' was not found.");
        }
        String id = vm.get("id").asText();
        if (action == null && method.equals("GET")) {
            ObjectNode copy = vm.deepCopy();
            if ("instanceView".equalsIgnoreCase(q.get("$expand"))) {
                ((ObjectNode) copy.get("properties")).set("instanceView", instanceView(vm));
            } else if (q.containsKey("$expand")) {
                throw new ArmError(400, "InvalidParameter", "The value of parameter $expand is invalid: " + q.get("$expand"));
            }
            return new ArmEmulator.Reply(200, copy);
        }
        if (action == null && method.equals("PATCH")) {
            Schemas.check("VirtualMachineUpdate", api, in);
            return update(vm, in, api, path);
        }
        if (method.equals("POST") && action != null) {
            return switch (action.toLowerCase(java.util.Locale.ROOT)) {
                case "deallocate" -> power(vm, "deallocating", "deallocated", api, path);
                case "start" -> power(vm, "starting", "running", api, path);
                case "attachdetachdatadisks" -> {
                    if (api.startsWith("2022-")) {
                        throw new ArmError(404, "NotFound", "attachDetachDataDisks does not exist in api-version " + api);
                    }
                    Schemas.check("AttachDetachDataDisksRequest", api, in);
                    yield attachDetach(vm, in, api, path);
                }
                default -> throw new ArmError(400, "BadRequest", "action " + action + " is not emulated");
            };
        }
        throw new ArmError(405, "MethodNotAllowed", method + " " + id);
    }

    private ObjectNode instanceView(ObjectNode vm) {
        ObjectNode iv = JSON.createObjectNode();
        ArrayNode s = iv.putArray("statuses");
        String prov = vm.at("/properties/provisioningState").asText();
        s.addObject().put("code", "ProvisioningState/" + prov.toLowerCase(java.util.Locale.ROOT)).put("level", "Info");
        String p = st.power(vm);
        s.addObject().put("code", "PowerState/" + p).put("level", "Info").put("displayStatus", "VM " + p);
        if (p.equals("running")) {
            boolean ready = st.agentReady.contains(key(vm.get("id").asText()));
            ObjectNode agent = iv.putObject("vmAgent").put("vmAgentVersion", ready ? "2.7.41491.1102" : "Unknown");
            agent.putArray("statuses").addObject().put("code", ready ? "ProvisioningState/succeeded" : "ProvisioningState/Unavailable")
                    .put("level", ready ? "Info" : "Warning").put("displayStatus", ready ? "Ready" : "Not Ready")
                    .put("message", ready ? "GuestAgent is running and processing the extensions." : "VM status blob is found but not yet populated.");
        }
        return iv;
    }

    private void busy(ObjectNode vm) {
        if (vm.at("/properties/provisioningState").asText().equals("Updating")) {
            throw new ArmError(409, "Conflict", "The request failed due to conflict with a concurrent request. To resolve it, please refer to https://aka.ms/activitylog "
                    + "to get more details on the conflicting requests.");
        }
    }

    private ArmEmulator.Reply power(ObjectNode vm, String during, String after, String api, String path) {
        String before = st.power(vm);
        st.powerCalls.add(after.equals("running") ? "start " + vm.get("name").asText() : "deallocate " + vm.get("name").asText());
        if (before.equals(after)) {
            ArmEmulator.Operation o = emu.start(vm.get("location").asText(), path, null, null);
            return emu.accepted(202, null, o, api, true);
        }
        String k = key(vm.get("id").asText());
        st.power.put(k, during);
        ArmEmulator.Operation o = emu.start(vm.get("location").asText(), path, () -> setPower(vm, after), () -> setPower(vm, before));
        return emu.accepted(202, null, o, api, true);
    }

    private void setPower(ObjectNode vm, String p) {
        st.power.put(key(vm.get("id").asText()), p);
        ObjectNode os = st.disk(st.osDiskId(vm));
        if (os != null) {
            ((ObjectNode) os.get("properties")).put("diskState", p.equals("deallocated") ? "Reserved" : "Attached");
        }
    }

    private ArmEmulator.Reply update(ObjectNode vm, JsonNode in, String api, String path) {
        busy(vm);
        JsonNode osIn = in.at("/properties/storageProfile/osDisk");
        String oldOs = st.osDiskId(vm);
        String newOs = osIn.at("/managedDisk/id").asText(oldOs);
        boolean swap = !newOs.equalsIgnoreCase(oldOs);
        String vmId = vm.get("id").asText();
        if (!osIn.isMissingNode() && osIn.has("createOption")
                && !osIn.get("createOption").asText().equals(vm.at("/properties/storageProfile/osDisk/createOption").asText())) {
            throw new ArmError(409, "PropertyChangeNotAllowed", "Changing property 'osDisk.createOption' is not allowed.");
        }
        if (swap) {
            if (!"deallocated".equals(st.power(vm))) {
                throw new ArmError(409, "OperationNotAllowed", "The OS disk of VM '" + vm.get("name").asText()
                        + "' can only be changed when the VM is deallocated.");
            }
            ObjectNode nd = st.disk(newOs);
            if (nd == null) {
                throw new ArmError(404, "NotFound", "Disk '" + newOs + "' was not found.");
            }
            free(nd, vmId);
            sameZone(nd, vm);
            ObjectNode od = st.disk(oldOs);
            for (String f : java.util.List.of("/properties/hyperVGeneration", "/properties/securityProfile/securityType", "/properties/osType",
                    "/properties/encryptionSettingsCollection/enabled")) {
                if (od != null && !od.at(f).asText("").equals(nd.at(f).asText(""))) {
                    throw new ArmError(400, "InvalidParameter", "Disk '" + nd.get("name").asText() + "' has " + f + " '" + nd.at(f).asText("")
                            + "', the VM needs '" + od.at(f).asText("") + "'.");
                }
            }
        }
        ObjectNode props = (ObjectNode) vm.get("properties");
        props.put("provisioningState", "Updating");
        ArmEmulator.Operation o = emu.start(vm.get("location").asText(), path, () -> {
            if (swap) {
                ObjectNode nd = st.disk(newOs);
                free(nd, vmId); // checked again when it is applied: another VM may have taken it meanwhile
                ObjectNode od = st.disk(oldOs);
                if (od != null) {
                    st.detach(od);
                }
                ObjectNode os = (ObjectNode) vm.at("/properties/storageProfile/osDisk");
                os.put("name", nd.get("name").asText());
                ((ObjectNode) os.get("managedDisk")).put("id", nd.get("id").asText()).put("storageAccountType", nd.at("/sku/name").asText());
                st.attach(nd, vmId);
            }
            props.put("provisioningState", "Succeeded");
        }, () -> props.put("provisioningState", "Failed"));
        return emu.accepted(200, vm.deepCopy(), o, api, false);
    }

    private ArmEmulator.Reply attachDetach(ObjectNode vm, JsonNode in, String api, String path) {
        busy(vm);
        String vmId = vm.get("id").asText();
        Map<Integer, String> luns = st.luns(vm);
        ArrayNode dd = st.dataDisks(vm);
        java.util.List<ObjectNode> attached = new java.util.ArrayList<>();
        java.util.List<ObjectNode> detached = new java.util.ArrayList<>();
        for (JsonNode a : ArmEmulator.iterable(in.get("dataDisksToAttach"))) {
            ObjectNode d = st.disk(a.path("diskId").asText());
            if (d == null) {
                throw new ArmError(404, "NotFound", "Disk '" + a.path("diskId").asText() + "' was not found.");
            }
            int lun = a.path("lun").asInt(-1);
            if (luns.containsKey(lun)) {
                throw new ArmError(409, "OperationNotAllowed", "LUN " + lun + " of VM '" + vm.get("name").asText() + "' already holds a disk.");
            }
            free(d, vmId);
            if (d.path("managedBy").asText("").equalsIgnoreCase(vmId)) {
                throw new ArmError(409, "OperationNotAllowed", "Disk '" + d.get("name").asText() + "' is already attached to VM '" + vm.get("name").asText() + "'.");
            }
            sameZone(d, vm);
            if (d.at("/properties/encryptionSettingsCollection/enabled").asBoolean(false)) {
                // Microsoft's BitLocker boot-error troubleshooting: such a disk is refused as a data disk of a VM without ADE
                throw new ArmError(409, "OperationNotAllowed", "Disk '" + d.get("name").asText()
                        + "' contains encryption settings and therefore cannot be used as a data disk.");
            }
            if (!d.at("/properties/provisioningState").asText().equals("Succeeded")) {
                throw new ArmError(409, "OperationNotAllowed", "Disk '" + d.get("name").asText() + "' is not ready (" + d.at("/properties/provisioningState").asText() + ").");
            }
            ObjectNode e = dd.addObject();
            e.put("lun", lun).put("name", d.get("name").asText()).put("createOption", "Attach").put("caching", a.path("caching").asText("None"));
            e.putObject("managedDisk").put("id", d.get("id").asText()).put("storageAccountType", d.at("/sku/name").asText());
            e.put("toBeDetached", false).put("deleteOption", a.path("deleteOption").asText("Detach"));
            d.put("managedBy", vmId); // the disk names its VM as soon as the update starts
            attached.add(d);
        }
        for (JsonNode x : ArmEmulator.iterable(in.get("dataDisksToDetach"))) {
            String did = x.path("diskId").asText();
            ObjectNode entry = null;
            for (JsonNode e : dd) {
                if (e.at("/managedDisk/id").asText().equalsIgnoreCase(did)) {
                    entry = (ObjectNode) e;
                }
            }
            if (entry == null) {
                throw new ArmError(409, "OperationNotAllowed", "Disk '" + did + "' is not attached to VM '" + vm.get("name").asText() + "'.");
            }
            entry.put("toBeDetached", true);
            detached.add(st.disk(did));
        }
        ObjectNode props = (ObjectNode) vm.get("properties");
        props.put("provisioningState", "Updating");
        ArmEmulator.Operation o = emu.start(vm.get("location").asText(), path, () -> {
            for (ObjectNode d : attached) {
                st.attach(d, vmId);
            }
            for (ObjectNode d : detached) {
                remove(dd, d.get("id").asText());
                st.detach(d);
                emu.workers.detached(d.get("id").asText());
            }
            props.put("provisioningState", "Succeeded");
        }, () -> {
            for (ObjectNode d : attached) {
                remove(dd, d.get("id").asText());
                d.remove("managedBy");
            }
            for (JsonNode e : dd) {
                ((ObjectNode) e).put("toBeDetached", false);
            }
            props.put("provisioningState", "Failed");
        });
        return emu.accepted(202, null, o, api, true);
    }

    private static void remove(ArrayNode dd, String diskId) {
        for (int i = dd.size() - 1; i >= 0; i--) {
            if (dd.get(i).at("/managedDisk/id").asText().equalsIgnoreCase(diskId)) {
                dd.remove(i);
            }
        }
    }

    private void free(ObjectNode disk, String vmId) {
        String by = disk.path("managedBy").asText("");
        if (!by.isEmpty() && !by.equalsIgnoreCase(vmId)) {
            throw new ArmError(409, "OperationNotAllowed", "Disk '" + disk.get("name").asText() + "' is already attached to VM '" + by + "'.");
        }
    }

    private static void sameZone(ObjectNode disk, ObjectNode vm) {
        if (!disk.get("location").asText().equalsIgnoreCase(vm.get("location").asText())) {
            throw new ArmError(400, "BadRequest", "Disk '" + disk.get("name").asText() + "' is in " + disk.get("location").asText() + ", the VM in "
                    + vm.get("location").asText() + ".");
        }
        String dz = disk.has("zones") ? disk.get("zones").get(0).asText() : null;
        String vz = vm.has("zones") ? vm.get("zones").get(0).asText() : null;
        if (dz != null && !dz.equals(vz)) {
            throw new ArmError(400, "BadRequest", "Disk '" + disk.get("name").asText() + "' is in zone " + dz + " and cannot be attached to VM '"
                    + vm.get("name").asText() + "' in zone " + vz + ".");
        }
    }
}
