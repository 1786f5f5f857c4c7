package io.bootmedic.cloud.azure.arm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.Map;

/**
 * The request members each api-version knows, from the Microsoft.Compute REST specs (azure-rest-api-specs,
 * specification/compute/resource-manager/Microsoft.Compute): ARM refuses a body with a member its api-version does not
 * define, with 400 InvalidRequestContent "Could not find member 'x' on object of type 'T'". Only the request shapes the
 * adapter sends are described; a nested type not listed here is accepted as it is.
 */
final class Schemas {
    private static final Map<String, Map<String, String>> V2025 = new HashMap<>();
    private static final Map<String, Map<String, String>> V2022 = new HashMap<>();

    static {
        // run commands: treatFailureAsDeploymentFailure came with 2023-03-01, the managed identities for blobs with 2022-11-01
        type(V2025, "VirtualMachineRunCommand", "location", "", "tags", "", "properties", "VirtualMachineRunCommandProperties");
        type(V2025, "VirtualMachineRunCommandProperties", "source", "VirtualMachineRunCommandScriptSource", "parameters", "", "protectedParameters", "", "asyncExecution", "",
                "runAsUser", "", "runAsPassword", "", "timeoutInSeconds", "", "outputBlobUri", "", "errorBlobUri", "", "outputBlobManagedIdentity", "",
                "errorBlobManagedIdentity", "", "treatFailureAsDeploymentFailure", "");
        type(V2025, "VirtualMachineRunCommandScriptSource", "script", "", "scriptUri", "", "commandId", "", "scriptUriManagedIdentity", "", "scriptShell", "",
                "galleryScriptReferenceId", "");
        type(V2022, "VirtualMachineRunCommand", "location", "", "tags", "", "properties", "VirtualMachineRunCommandProperties");
        type(V2022, "VirtualMachineRunCommandProperties", "source", "VirtualMachineRunCommandScriptSource", "parameters", "", "protectedParameters", "", "asyncExecution", "",
                "runAsUser", "", "runAsPassword", "", "timeoutInSeconds", "", "outputBlobUri", "", "errorBlobUri", "");
        type(V2022, "VirtualMachineRunCommandScriptSource", "script", "", "scriptUri", "", "commandId", "");
        for (Map<String, Map<String, String>> v : java.util.List.of(V2025, V2022)) {
            type(v, "VirtualMachineUpdate", "tags", "", "plan", "", "identity", "", "zones", "", "properties", "VirtualMachineProperties");
            type(v, "VirtualMachineProperties", "hardwareProfile", "", "storageProfile", "StorageProfile", "osProfile", "", "networkProfile", "", "securityProfile", "",
                    "diagnosticsProfile", "", "availabilitySet", "", "licenseType", "", "userData", "");
            type(v, "StorageProfile", "imageReference", "", "osDisk", "OSDisk", "dataDisks", "", "diskControllerType", "");
            type(v, "OSDisk", "osType", "", "encryptionSettings", "", "name", "", "vhd", "", "image", "", "caching", "", "writeAcceleratorEnabled", "", "diffDiskSettings", "",
                    "createOption", "", "diskSizeGB", "", "managedDisk", "ManagedDiskParameters", "deleteOption", "");
            type(v, "ManagedDiskParameters", "id", "", "storageAccountType", "", "diskEncryptionSet", "", "securityProfile", "");
        }
        type(V2025, "AttachDetachDataDisksRequest", "dataDisksToAttach", "DataDisksToAttach", "dataDisksToDetach", "DataDisksToDetach");
        type(V2025, "DataDisksToAttach", "diskId", "", "lun", "", "caching", "", "deleteOption", "", "diskEncryptionSet", "", "writeAcceleratorEnabled", "");
        type(V2025, "DataDisksToDetach", "diskId", "", "detachOption", "");
        type(V2025, "Snapshot", "location", "", "tags", "", "sku", "Sku", "extendedLocation", "", "properties", "SnapshotProperties");
        type(V2025, "SnapshotProperties", "osType", "", "hyperVGeneration", "", "purchasePlan", "", "supportedCapabilities", "SupportedCapabilities", "creationData",
                "CreationData", "diskSizeGB", "", "encryptionSettingsCollection", "", "incremental", "", "encryption", "Encryption", "networkAccessPolicy", "", "diskAccessId",
                "", "securityProfile", "DiskSecurityProfile", "supportsHibernation", "", "publicNetworkAccess", "", "dataAccessAuthMode", "");
        type(V2025, "Disk", "location", "", "tags", "", "sku", "Sku", "zones", "", "extendedLocation", "", "properties", "DiskProperties");
        type(V2025, "DiskProperties", "osType", "", "hyperVGeneration", "", "purchasePlan", "", "supportedCapabilities", "SupportedCapabilities", "creationData", "CreationData",
                "diskSizeGB", "", "encryptionSettingsCollection", "", "diskIOPSReadWrite", "", "diskMBpsReadWrite", "", "diskIOPSReadOnly", "", "diskMBpsReadOnly", "",
                "encryption", "Encryption", "maxShares", "", "networkAccessPolicy", "", "diskAccessId", "", "tier", "", "burstingEnabled", "", "supportsHibernation", "",
                "securityProfile", "DiskSecurityProfile", "publicNetworkAccess", "", "dataAccessAuthMode", "", "optimizedForFrequentAttach", "", "availabilityPolicy", "");
        type(V2025, "DiskUpdate", "tags", "", "sku", "Sku", "properties", "DiskUpdateProperties");
        type(V2025, "DiskUpdateProperties", "osType", "", "diskSizeGB", "", "encryptionSettingsCollection", "", "diskIOPSReadWrite", "", "diskMBpsReadWrite", "",
                "diskIOPSReadOnly", "", "diskMBpsReadOnly", "", "maxShares", "", "encryption", "Encryption", "networkAccessPolicy", "", "diskAccessId", "", "tier", "",
                "burstingEnabled", "", "purchasePlan", "", "supportedCapabilities", "SupportedCapabilities", "supportsHibernation", "", "publicNetworkAccess", "",
                "dataAccessAuthMode", "", "optimizedForFrequentAttach", "", "availabilityPolicy", "");
        type(V2025, "CreationData", "createOption", "", "storageAccountId", "", "imageReference", "", "galleryImageReference", "", "sourceUri", "", "sourceResourceId", "",
                "uploadSizeBytes", "", "logicalSectorSize", "", "securityDataUri", "", "securityMetadataUri", "", "performancePlus", "", "elasticSanResourceId", "",
                "provisionedBandwidthCopySpeed", "", "instantAccessDurationMinutes", "");
        type(V2025, "Sku", "name", "", "tier", "");
        type(V2025, "Encryption", "diskEncryptionSetId", "", "type", "");
        type(V2025, "DiskSecurityProfile", "securityType", "", "secureVMDiskEncryptionSetId", "");
        type(V2025, "SupportedCapabilities", "diskControllerTypes", "", "acceleratedNetwork", "", "architecture", "", "supportedSecurityOption", "");
    }

    private Schemas() {
    }

    private static void type(Map<String, Map<String, String>> v, String name, String... memberAndType) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < memberAndType.length; i += 2) {
            m.put(memberAndType[i], memberAndType[i + 1]);
        }
        v.put(name, m);
    }

    /** Refuses {@code body} as ARM does when it has a member {@code apiVersion}'s {@code type} does not define. */
    static void check(String type, String apiVersion, JsonNode body) {
        Map<String, Map<String, String>> v = apiVersion.startsWith("2022-") ? V2022 : V2025;
        walk(v, type, body, "");
    }

    private static void walk(Map<String, Map<String, String>> v, String type, JsonNode node, String path) {
        Map<String, String> members = v.get(type);
        if (members == null || node == null) {
            return;
        }
        if (node.isArray()) {
            int i = 0;
            for (JsonNode e : node) {
                walk(v, type, e, path + "[" + i++ + "]");
            }
            return;
        }
        if (!node.isObject()) {
            throw new ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Error converting value at path '" + path
                    + "' to type '" + type + "'.");
        }
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            String p = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
            if (!members.containsKey(f.getKey())) {
                throw new ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Could not find member '" + f.getKey()
                        + "' on object of type '" + type + "'. Path '" + p + "', line 1.'.");
            }
            walk(v, members.get(f.getKey()), f.getValue(), p);
        }
    }
}
