package io.bootmedic.cloud.azure.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.bootmedic.cloud.azure.arm.ArmState.JSON;
import static io.bootmedic.cloud.azure.arm.ArmState.key;

/**
 * Microsoft.Compute/disks and /snapshots: GET, PUT (create from a disk or a snapshot, createOption Copy), DELETE. A
 * new disk has only what its request asked for (ARM takes size and content from the source, not its SKU, zone, tags,
 * encryption set, Hyper-V generation or security profile). An incremental snapshot shows completionPercent below 100
 * for {@link #snapshotCopyMillis}, and no disk is made from it until it is 100. A zone-redundant disk has no zone.
 */
final class DiskApi {
    private final ArmEmulator emu;
    private final ArmState st;
    /** How long the background copy of a new incremental snapshot takes. */
    volatile long snapshotCopyMillis = 200;
    private final Map<String, Long> copyDoneAt = new ConcurrentHashMap<>();

    DiskApi(ArmEmulator emu) {
        this.emu = emu;
        this.st = emu.state;
    }

    ArmEmulator.Reply handle(String type, String method, String rg, String name, JsonNode in, String api, boolean createOnly, String path) {
        boolean disks = type.equals("disks");
        Map<String, ObjectNode> store = disks ? st.disks : st.snapshots;
        String id = ArmState.id(rg, disks ? "disks" : "snapshots", name);
        ObjectNode r = store.get(key(id));
        switch (method) {
            case "GET" -> {
                if (r == null) {
                    throw new ArmError(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/" + type + "/" + name + "' under resource group '" + rg + "' was not found.");
                }
                ObjectNode copy = r.deepCopy();
                Long done = copyDoneAt.get(key(id));
                if (done != null && System.currentTimeMillis() < done) {
                    ((ObjectNode) copy.get("properties")).put("completionPercent", 40.0);
                }
                return new ArmEmulator.Reply(200, copy);
            }
            case "PUT" -> {
                Schemas.check(disks ? "Disk" : "Snapshot", api, in);
                if (r != null && createOnly) {
                    throw new ArmError(412, "PreconditionFailed", "The resource '" + name + "' exists and the request asked for If-None-Match: *.");
                }
                if (r != null) {
                    String was = r.at("/properties/creationData/sourceResourceId").asText();
                    if (!was.equalsIgnoreCase(in.at("/properties/creationData/sourceResourceId").asText())) {
                        throw new ArmError(409, "PropertyChangeNotAllowed", "Changing property 'creationData.sourceResourceId' is not allowed.");
                    }
                    r.set("tags", in.has("tags") ? in.get("tags").deepCopy() : JSON.createObjectNode());
                    ArmEmulator.Operation o = emu.start(r.get("location").asText(), path, null, null);
                    return emu.accepted(200, r.deepCopy(), o, api, false);
                }
                return create(disks, store, name, id, in, api, path);
            }
            case "PATCH" -> {
                if (!disks || r == null) {
                    throw new ArmError(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/" + type + "/" + name + "' was not found.");
                }
                Schemas.check("DiskUpdate", api, in);
                JsonNode esc = in.at("/properties/encryptionSettingsCollection");
                if (!esc.isMissingNode() && !r.path("managedBy").asText("").isEmpty()) {
                    throw new ArmError(409, "OperationNotAllowed", "Disk " + name + " is attached: its encryption settings change only while it is unattached.");
                }
                ArmEmulator.Operation o = emu.start(r.get("location").asText(), path, () -> {
                    if (!esc.isMissingNode()) {
                        ((ObjectNode) r.get("properties")).set("encryptionSettingsCollection", esc.deepCopy());
                    }
                    if (in.has("tags")) {
                        r.set("tags", in.get("tags").deepCopy());
                    }
                }, null);
                return emu.accepted(202, r.deepCopy(), o, api, false);
            }
            case "DELETE" -> {
                if (r == null) {
                    return new ArmEmulator.Reply(204, null);
                }
                if (!r.path("managedBy").asText("").isEmpty()) {
                    throw new ArmError(409, "OperationNotAllowed", "Disk " + name + " is attached to VM " + r.get("managedBy").asText() + ".");
                }
                ArmEmulator.Operation o = emu.start(r.get("location").asText(), path, () -> store.remove(key(id)), null);
                return emu.accepted(202, null, o, api, true);
            }
            default -> throw new ArmError(405, "MethodNotAllowed", method);
        }
    }

    private ArmEmulator.Reply create(boolean disks, Map<String, ObjectNode> store, String name, String id, JsonNode in, String api, String path) {
        JsonNode cd = in.at("/properties/creationData");
        if (!"Copy".equals(cd.path("createOption").asText())) {
            throw new ArmError(400, "InvalidParameter", "Only createOption Copy is emulated, not " + cd.path("createOption").asText());
        }
        String source = cd.path("sourceResourceId").asText("");
        ObjectNode src = st.disk(source) != null ? st.disk(source) : st.snapshots.get(key(source));
        if (src == null) {
            throw new ArmError(404, "NotFound", "Source '" + source + "' of " + name + " was not found.");
        }
        String location = in.path("location").asText("");
        if (!location.equalsIgnoreCase(src.get("location").asText())) {
            throw new ArmError(400, "InvalidParameter", "The source " + source + " is in " + src.get("location").asText() + ", not in " + location + ".");
        }
        boolean fromSnapshot = src.get("type").asText().endsWith("snapshots");
        if (disks && fromSnapshot) {
            Long done = copyDoneAt.get(key(source));
            if (!src.at("/properties/provisioningState").asText().equals("Succeeded") || (done != null && System.currentTimeMillis() < done)) {
                throw new ArmError(409, "OperationNotAllowed", "Snapshot " + src.get("name").asText() + " is not complete: a disk cannot be made from it yet.");
            }
        }
        if (!disks && st.bootedByRunningVm(source)) {
            st.violations.add("snapshot " + name + " of " + source + " while a running VM boots from it");
        }
        String sku = in.at("/sku/name").asText("Standard_LRS");
        if (disks && sku.endsWith("_ZRS") && in.has("zones") && in.get("zones").size() > 0) {
            throw new ArmError(400, "InvalidParameter", "Zone-redundant storage (" + sku + ") disks cannot be created in a zone; remove 'zones'.");
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("name", name).put("type", "Microsoft.Compute/" + (disks ? "disks" : "snapshots")).put("location", location);
        if (disks && in.has("zones")) {
            r.set("zones", in.get("zones").deepCopy());
        }
        r.set("tags", in.has("tags") ? in.get("tags").deepCopy() : JSON.createObjectNode());
        r.putObject("sku").put("name", sku).put("tier", sku.startsWith("Premium") ? "Premium" : "Standard");
        ObjectNode p = r.putObject("properties");
        JsonNode sp = src.get("properties");
        JsonNode ip = in.path("properties");
        if (disks) {
            p.put("osType", ip.path("osType").asText(""));
            p.put("hyperVGeneration", ip.path("hyperVGeneration").asText("V1"));
            copy(ip, p, "securityProfile", "supportedCapabilities", "encryptionSettingsCollection");
        } else {
            p.put("osType", sp.path("osType").asText("")).put("hyperVGeneration", sp.path("hyperVGeneration").asText("V1"));
            copy(sp, p, "securityProfile", "supportedCapabilities", "encryptionSettingsCollection");
            p.put("incremental", ip.path("incremental").asBoolean(false));
            if (p.get("incremental").asBoolean()) {
                copyDoneAt.put(key(id), System.currentTimeMillis() + snapshotCopyMillis);
            }
            p.put("completionPercent", 100.0);
        }
        ObjectNode creation = p.putObject("creationData");
        creation.put("createOption", "Copy").put("sourceResourceId", src.get("id").asText()).put("sourceUniqueId", sp.path("uniqueId").asText());
        p.put("diskSizeGB", sp.get("diskSizeGB").asInt()).put("diskSizeBytes", sp.get("diskSizeBytes").asLong());
        p.put("uniqueId", UUID.randomUUID().toString());
        p.set("encryption", ip.has("encryption") ? ip.get("encryption").deepCopy() : JSON.createObjectNode().put("type", "EncryptionAtRestWithPlatformKey"));
        p.put("diskState", "Unattached").put("timeCreated", "2026-12-07T06:00:00+00:00").put("provisioningState", "Creating");
        store.put(key(id), r);
        if (disks) {
            st.copiedFrom.put(key(id), key(src.at("/properties/creationData/sourceResourceId").asText(src.get("id").asText())));
        }
        ArmEmulator.Operation o = emu.start(location, path, () -> p.put("provisioningState", "Succeeded"), () -> p.put("provisioningState", "Failed"));
        return emu.accepted(202, r.deepCopy(), o, api, false); // Disks/Snapshots_CreateOrUpdate answer 200 or 202, never 201
    }

    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            if (from.has(f)) {
                to.set(f, from.get(f).deepCopy());
            }
        }
    }
}
