package io.bootmedic.cloud.azure.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One emulated subscription: VMs, managed disks and snapshots in the shapes the REST reference gives, plus what only
 * the emulator knows: power states, guest-agent health, what the simulated workers wrote to which disk, and every
 * violation of "write only a copy, only while it is on the worker alone". Keys are lower-case IDs (ARM IDs are
 * case-insensitive).
 */
public final class ArmState {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String SUB = "00000000-0000-0000-0000-0000000000a1";
    public static final long GIB = 1024L * 1024 * 1024;

    public final Map<String, ObjectNode> vms = new ConcurrentHashMap<>();
    public final Map<String, ObjectNode> disks = new ConcurrentHashMap<>();
    public final Map<String, ObjectNode> snapshots = new ConcurrentHashMap<>();
    /** VM key -> PowerState suffix: running, deallocating, deallocated, starting, stopped. */
    public final Map<String, String> power = new ConcurrentHashMap<>();
    /** VM keys whose guest agent reports Ready while running (Windows booted). */
    public final java.util.Set<String> agentReady = ConcurrentHashMap.newKeySet();
    /** disk key -> how many times a simulated bootmedic changed it. */
    public final Map<String, Integer> fixed = new ConcurrentHashMap<>();
    /** Every stop and start sent, by VM name. */
    public final List<String> powerCalls = Collections.synchronizedList(new ArrayList<>());
    public final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    /** disk key -> the disk it was copied from, through a snapshot (lineage, for the checks). */
    public final Map<String, String> copiedFrom = new ConcurrentHashMap<>();

    public static String id(String rg, String type, String name) {
        return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/" + type + "/" + name;
    }

    public static String key(String id) {
        return id.toLowerCase(Locale.ROOT);
    }

    public ObjectNode vm(String rg, String name) {
        return vms.get(key(id(rg, "virtualMachines", name)));
    }

    public ObjectNode disk(String id) {
        return id == null ? null : disks.get(key(id));
    }

    public String power(ObjectNode vm) {
        return power.get(key(vm.get("id").asText()));
    }

    public String osDiskId(ObjectNode vm) {
        return vm.at("/properties/storageProfile/osDisk/managedDisk/id").asText();
    }

    public ArrayNode dataDisks(ObjectNode vm) {
        return (ArrayNode) vm.at("/properties/storageProfile/dataDisks");
    }

    public Map<Integer, String> luns(ObjectNode vm) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (JsonNode d : dataDisks(vm)) {
            m.put(d.get("lun").asInt(), d.at("/managedDisk/id").asText());
        }
        return m;
    }

    /** A managed disk; {@code zone} null for a regional or ZRS disk. */
    public ObjectNode addDisk(String rg, String name, String location, String zone, String sku, int sizeGb) {
        ObjectNode d = JSON.createObjectNode();
        String id = id(rg, "disks", name);
        d.put("id", id).put("name", name).put("type", "Microsoft.Compute/disks").put("location", location);
        if (zone != null) {
            d.putArray("zones").add(zone);
        }
        d.putObject("tags");
        d.putObject("sku").put("name", sku).put("tier", sku.startsWith("Premium") ? "Premium" : "Standard");
        ObjectNode p = d.putObject("properties");
        p.put("osType", "Windows").put("hyperVGeneration", "V1");
        p.putObject("creationData").put("createOption", "FromImage");
        p.put("diskSizeGB", sizeGb).put("diskSizeBytes", sizeGb * GIB).put("uniqueId", UUID.randomUUID().toString());
        p.putObject("encryption").put("type", "EncryptionAtRestWithPlatformKey");
        p.put("provisioningState", "Succeeded").put("diskState", "Unattached").put("timeCreated", "2026-12-01T04:09:00+00:00");
        disks.put(key(id), d);
        return d;
    }

    /** A running Windows VM on a new Premium_LRS OS disk whose guest agent is not Ready (it boot-loops). */
    public ObjectNode addWindowsVm(String rg, String name, String location, String zone) {
        ObjectNode disk = addDisk(rg, name + "_OsDisk_1", location, zone, "Premium_LRS", 127);
        return addVm(rg, name, location, zone, "Windows", disk);
    }

    public ObjectNode addVm(String rg, String name, String location, String zone, String osType, ObjectNode osDisk) {
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
        ((ObjectNode) osDisk.get("properties")).put("osType", osType);
        os.put("osType", osType).put("name", osDisk.get("name").asText()).put("createOption", "FromImage").put("caching", "ReadWrite");
        os.putObject("managedDisk").put("id", osDisk.get("id").asText()).put("storageAccountType", osDisk.at("/sku/name").asText());
        os.put("deleteOption", "Detach").put("diskSizeGB", osDisk.at("/properties/diskSizeGB").asInt());
        storage.putArray("dataDisks");
        p.putObject("networkProfile").putArray("networkInterfaces");
        p.put("provisioningState", "Succeeded");
        vms.put(key(id), vm);
        power.put(key(id), "running");
        attach(osDisk, id);
        return vm;
    }

    public void attach(ObjectNode disk, String vmId) {
        disk.put("managedBy", vmId);
        ((ObjectNode) disk.get("properties")).put("diskState", "running".equals(power.get(key(vmId))) ? "Attached" : "Reserved");
    }

    public void detach(ObjectNode disk) {
        disk.remove("managedBy");
        ((ObjectNode) disk.get("properties")).put("diskState", "Unattached");
    }

    public String vmId(ObjectNode vm) {
        return vm.at("/properties/vmId").asText();
    }

    /** The disk is the OS disk of some VM of the subscription that is not deallocated (a running VM may write it). */
    public boolean bootedByRunningVm(String diskId) {
        for (ObjectNode vm : vms.values()) {
            if (osDiskId(vm).equalsIgnoreCase(diskId) && !"deallocated".equals(power(vm))) {
                return true;
            }
        }
        return false;
    }

    /** Was this disk ever any VM's OS disk before a run made it (an original)? */
    public boolean original(String diskId) {
        ObjectNode d = disk(diskId);
        return d != null && !"Copy".equals(d.at("/properties/creationData/createOption").asText());
    }

    /** Single-pass Azure Disk Encryption on a disk: the settings ADE writes into the disk resource (with a KEK when {@code kekUrl} is given). */
    public static void singlePassAde(ObjectNode disk, String kekUrl) {
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
}
