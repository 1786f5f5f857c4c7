package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.UUID;

import static io.bootmedic.massremediation.azure.ComputeState.JSON;
import static io.bootmedic.massremediation.azure.ComputeState.key;

/**
 * Microsoft.Compute/disks and /snapshots: GET, list, PUT (create from a disk or snapshot with
 * createOption Copy, or update an existing one), PATCH. A copy takes size, OS type, Hyper-V
 * generation and ADE encryption settings from its source. A zone-redundant (ZRS) disk cannot be
 * created in a zone. An incremental snapshot reports completionPercent below 100 for
 * {@code ArmEmulator.snapshotCopyGets} GETs after it is created (the background copy the docs describe).
 */
final class DiskApi {
    static final Map<String, Integer> copyProgress = new java.util.concurrent.ConcurrentHashMap<>();

    private final ArmEmulator emu;
    private final ComputeState st;
    private final String type;
    private final Map<String, ObjectNode> store;

    DiskApi(ArmEmulator emu, String type) {
        this.emu = emu;
        this.st = emu.state;
        this.type = type;
        this.store = type.equals("disks") ? st.disks : st.snapshots;
    }

    ArmEmulator.Reply handle(String method, String rg, String name, ObjectNode in) {
        if (name == null) {
            return emu.list(store, rg);
        }
        String id = ComputeState.id(rg, type, name);
        ObjectNode r = store.get(key(id));
        String api = type.equals("disks") ? "2022-07-02" : "2022-03-02";
        switch (method) {
            case "GET" -> {
                if (r == null) {
                    throw new ArmEmulator.ArmError(404, "ResourceNotFound",
                            "The Resource 'Microsoft.Compute/" + type + "/" + name + "' under resource group '" + rg + "' was not found.");
                }
                ObjectNode copy = r.deepCopy();
                Integer left = copyProgress.get(emu.base + key(id));
                if (left != null) {
                    if (left > 0) {
                        copyProgress.put(emu.base + key(id), left - 1);
                        ((ObjectNode) copy.get("properties")).put("completionPercent", 100.0 * (emu.snapshotCopyGets - left) / emu.snapshotCopyGets);
                    } else {
                        copyProgress.remove(emu.base + key(id));
                    }
                }
                return new ArmEmulator.Reply(200, copy);
            }
            case "PUT" -> {
                return r == null ? create(rg, name, id, in, api) : update(r, in, api);
            }
            case "PATCH" -> {
                if (r == null) {
                    throw new ArmEmulator.ArmError(404, "ResourceNotFound", name);
                }
                return update(r, in, api);
            }
            default -> throw new ArmEmulator.ArmError(405, "MethodNotAllowed", method);
        }
    }

    private ArmEmulator.Reply create(String rg, String name, String id, ObjectNode in, String api) {
        JsonNode cd = in.at("/properties/creationData");
        String source = cd.path("sourceResourceId").asText("");
        ObjectNode src = source.isEmpty() ? null : (st.disk(source) != null ? st.disk(source) : st.snapshots.get(key(source)));
        if (src == null) {
            throw new ArmEmulator.ArmError(404, "NotFound", "Source '" + source + "' of " + name + " was not found.");
        }
        String sku = in.at("/sku/name").asText(type.equals("snapshots") ? "Standard_LRS" : "Standard_LRS");
        if (sku.endsWith("_ZRS") && in.has("zones") && in.get("zones").size() > 0) {
            throw new ArmEmulator.ArmError(400, "InvalidParameter",
                    "Zone-redundant storage (" + sku + ") disks are replicated across zones and cannot be created in a zone; remove 'zones'.");
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("name", name).put("type", "Microsoft.Compute/" + type).put("location", in.path("location").asText());
        if (in.has("zones")) {
            r.set("zones", in.get("zones").deepCopy());
        }
        r.set("tags", in.has("tags") ? in.get("tags").deepCopy() : JSON.createObjectNode());
        r.putObject("sku").put("name", sku).put("tier", sku.startsWith("Premium") ? "Premium" : "Standard");
        ObjectNode p = r.putObject("properties");
        JsonNode sp = src.get("properties");
        p.put("osType", sp.path("osType").asText("Windows"));
        p.put("hyperVGeneration", in.at("/properties/hyperVGeneration").asText(sp.path("hyperVGeneration").asText("V1")));
        ObjectNode creation = p.putObject("creationData");
        creation.put("createOption", "Copy").put("sourceResourceId", src.get("id").asText()).put("sourceUniqueId", sp.path("uniqueId").asText());
        p.put("diskSizeGB", sp.get("diskSizeGB").asInt()).put("diskSizeBytes", sp.get("diskSizeBytes").asLong());
        p.put("uniqueId", UUID.randomUUID().toString());
        p.set("encryption", sp.path("encryption").deepCopy());
        if (sp.has("encryptionSettingsCollection")) {
            p.set("encryptionSettingsCollection", sp.get("encryptionSettingsCollection").deepCopy());
        }
        if (type.equals("snapshots")) {
            boolean incremental = in.at("/properties/incremental").asBoolean(false);
            p.put("incremental", incremental);
            if (incremental && emu.snapshotCopyGets > 0) {
                copyProgress.put(emu.base + key(id), emu.snapshotCopyGets);
            }
            p.put("completionPercent", 100.0);
        }
        p.put("diskState", "Unattached").put("timeCreated", "2024-07-19T06:00:00+00:00").put("provisioningState", "Creating");
        store.put(key(id), r);
        ArmEmulator.Operation o = emu.startOperation(r.get("location").asText(), () -> p.put("provisioningState", "Succeeded"));
        return emu.accepted(202, r.deepCopy(), o, api, false);
    }

    private ArmEmulator.Reply update(ObjectNode r, ObjectNode in, String api) {
        if (in.has("tags")) {
            r.set("tags", in.get("tags").deepCopy());
        }
        JsonNode esc = in.at("/properties/encryptionSettingsCollection");
        if (!esc.isMissingNode()) {
            ((ObjectNode) r.get("properties")).set("encryptionSettingsCollection", esc.deepCopy());
        }
        ArmEmulator.Operation o = emu.startOperation(r.get("location").asText(), null);
        return emu.accepted(200, r.deepCopy(), o, api, false);
    }
}
