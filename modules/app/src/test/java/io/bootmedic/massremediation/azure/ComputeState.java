package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The emulated resources of one subscription: virtual machines, managed disks and snapshots as the
 * Microsoft.Compute REST API returns them (shapes from the API reference of api-version 2022-08-01 /
 * disks 2022-07-02), plus what only the emulator knows (power state, which disks bootmedic "repaired").
 * Keys are lower-case resource IDs, as ARM treats IDs case-insensitively.
 */
final class ComputeState {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SUB = "00000000-0000-0000-0000-0000000000a1";
    static final String TENANT = "00000000-0000-0000-0000-0000000000b2";
    static final long GIB = 1024L * 1024 * 1024;

    final Map<String, ObjectNode> vms = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> disks = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> snapshots = new ConcurrentHashMap<>();
    /** VM id -> PowerState code suffix (running, deallocated, ...). */
    final Map<String, String> power = new ConcurrentHashMap<>();
    /** disk ids that the simulated worker ran bootmedic on, with how many times. */
    final Map<String, Integer> repaired = new ConcurrentHashMap<>();
    /** VM ids with the ADE extension installed (attaching a disk with encryption settings needs it). */
    final Set<String> adeVms = ConcurrentHashMap.newKeySet();
    /** ids of every managed run command PUT, in order. */
    final java.util.List<String> runCommandsStarted = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** the script of each of them, same order. */
    final java.util.List<String> runCommandScripts = new java.util.concurrent.CopyOnWriteArrayList<>();

    static String id(String rg, String type, String name) {
        return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/" + type + "/" + name;
    }

    static String key(String id) {
        return id.toLowerCase(Locale.ROOT);
    }

    static String nameOf(String id) {
        return id.substring(id.lastIndexOf('/') + 1);
    }

    ObjectNode vm(String rg, String name) {
        return vms.get(key(id(rg, "virtualMachines", name)));
    }

    ObjectNode disk(String id) {
        return disks.get(key(id));
    }

    ObjectNode diskByName(String rg, String name) {
        return disk(id(rg, "disks", name));
    }

    /** A managed disk; zone may be null (regional or ZRS disk). */
    ObjectNode addDisk(String rg, String name, String location, String zone, String sku, int sizeGb) {
        ObjectNode d = JSON.createObjectNode();
        String id = id(rg, "disks", name);
        d.put("id", id).put("name", name).put("type", "Microsoft.Compute/disks").put("location", location);
        if (zone != null) {
            d.putArray("zones").add(zone);
        }
        d.putObject("tags");
        d.putObject("sku").put("name", sku).put("tier", sku.startsWith("Premium") ? "Premium" : "Standard");
        ObjectNode p = d.putObject("properties");
        p.put("osType", "Windows").put("hyperVGeneration", "V2");
        p.putObject("creationData").put("createOption", "FromImage");
        p.put("diskSizeGB", sizeGb).put("diskSizeBytes", sizeGb * GIB).put("uniqueId", UUID.randomUUID().toString());
        p.putObject("encryption").put("type", "EncryptionAtRestWithPlatformKey");
        p.put("provisioningState", "Succeeded").put("diskState", "Unattached").put("timeCreated", "2024-07-19T04:09:00+00:00");
        disks.put(key(id), d);
        return d;
    }

    /** A Windows VM on a new managed OS disk, running. */
    ObjectNode addWindowsVm(String rg, String name, String location, String zone) {
        ObjectNode disk = addDisk(rg, name + "_OsDisk_1", location, zone, "Premium_LRS", 127);
        return addVm(rg, name, location, zone, "Windows", disk);
    }

    ObjectNode addVm(String rg, String name, String location, String zone, String osType, ObjectNode osDisk) {
        ObjectNode vm = JSON.createObjectNode();
        String id = id(rg, "virtualMachines", name);
        vm.put("id", id).put("name", name).put("type", "Microsoft.Compute/virtualMachines").put("location", location);
        if (zone != null) {
            vm.putArray("zones").add(zone);
        }
        vm.putObject("tags");
        ObjectNode p = vm.putObject("properties");
        p.put("vmId", UUID.randomUUID().toString());
        p.putObject("hardwareProfile").put("vmSize", "Standard_D4s_v5");
        ObjectNode storage = p.putObject("storageProfile");
        ObjectNode os = storage.putObject("osDisk");
        os.put("osType", osType).put("name", osDisk.get("name").asText()).put("createOption", "FromImage").put("caching", "ReadWrite");
        os.putObject("managedDisk").put("id", osDisk.get("id").asText()).put("storageAccountType", osDisk.at("/sku/name").asText());
        os.put("deleteOption", "Detach").put("diskSizeGB", osDisk.at("/properties/diskSizeGB").asInt());
        storage.putArray("dataDisks");
        p.putObject("networkProfile").putArray("networkInterfaces");
        p.put("provisioningState", "Succeeded");
        vms.put(key(id), vm);
        power.put(key(id), "running");
        attachDisk(osDisk, id);
        return vm;
    }

    void attachDisk(ObjectNode disk, String vmId) {
        disk.put("managedBy", vmId);
        ((ObjectNode) disk.get("properties")).put("diskState", power.getOrDefault(key(vmId), "running").equals("running") ? "Attached" : "Reserved");
    }

    void detachDisk(ObjectNode disk) {
        disk.remove("managedBy");
        ((ObjectNode) disk.get("properties")).put("diskState", "Unattached");
    }

    /** Single-pass Azure Disk Encryption on a disk: the settings ADE writes into the disk resource. */
    static void singlePassAde(ObjectNode disk, String kekUrl) {
        ObjectNode esc = ((ObjectNode) disk.get("properties")).putObject("encryptionSettingsCollection");
        esc.put("enabled", true).put("encryptionSettingsVersion", "1.1");
        ObjectNode s = esc.putArray("encryptionSettings").addObject();
        ObjectNode dek = s.putObject("diskEncryptionKey");
        dek.putObject("sourceVault").put("id", "/subscriptions/" + SUB + "/resourceGroups/kv/providers/Microsoft.KeyVault/vaults/vault1");
        dek.put("secretUrl", "https://vault1.vault.azure.net/secrets/bek-" + disk.get("name").asText() + "/0123456789abcdef");
        if (kekUrl != null) {
            ObjectNode kek = s.putObject("keyEncryptionKey");
            kek.putObject("sourceVault").put("id", "/subscriptions/" + SUB + "/resourceGroups/kv/providers/Microsoft.KeyVault/vaults/vault1");
            kek.put("keyUrl", kekUrl);
        }
    }

    String osDiskId(ObjectNode vm) {
        return vm.at("/properties/storageProfile/osDisk/managedDisk/id").asText();
    }

    ArrayNode dataDisks(ObjectNode vm) {
        return (ArrayNode) vm.at("/properties/storageProfile/dataDisks");
    }

    /** LUN -> disk id of a VM's data disks. */
    Map<Integer, String> luns(ObjectNode vm) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (JsonNode d : dataDisks(vm)) {
            m.put(d.get("lun").asInt(), d.at("/managedDisk/id").asText());
        }
        return m;
    }

    String tag(ObjectNode resource, String name) {
        JsonNode t = resource.path("tags").get(name);
        return t == null ? null : t.asText();
    }
}
