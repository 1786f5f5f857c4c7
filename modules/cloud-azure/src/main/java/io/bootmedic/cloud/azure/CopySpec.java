package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.models.CreationData;
import com.azure.resourcemanager.compute.models.DiskCreateOption;
import com.azure.resourcemanager.compute.models.DiskSecurityProfile;
import com.azure.resourcemanager.compute.models.DiskSku;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The repaired copy, made from the snapshot, as the original's twin: the VM boots it in the original's place, so it
 * keeps the zone (none for a zone-redundant SKU), the SKU, the original's tags (with the run's on top), the disk
 * encryption set, the Hyper-V generation, the security profile (Trusted Launch) and the capabilities (NVMe, CPU
 * architecture). Dropping any of them makes a disk that attaches but does not boot, or boots unencrypted.
 */
final class CopySpec {
    private CopySpec() {
    }

    static DiskInner of(DiskInner src, String snapshotId, Map<String, String> runTags) {
        DiskInner d = new DiskInner().withCreationData(new CreationData().withCreateOption(DiskCreateOption.COPY).withSourceResourceId(snapshotId));
        d.withLocation(src.location());
        Map<String, String> tags = new HashMap<>(src.tags() == null ? Map.of() : src.tags());
        tags.putAll(runTags);
        d.withTags(tags);
        String sku = src.sku() == null || src.sku().name() == null ? null : src.sku().name().toString();
        if (sku != null) {
            d.withSku(new DiskSku().withName(src.sku().name()));
        }
        if (src.zones() != null && !src.zones().isEmpty() && (sku == null || !sku.endsWith("_ZRS"))) {
            d.withZones(List.copyOf(src.zones()));
        }
        d.withOsType(src.osType()).withHyperVGeneration(src.hyperVGeneration()).withSupportedCapabilities(src.supportedCapabilities());
        if (src.encryption() != null) {
            d.withEncryption(src.encryption());
        }
        if (src.encryptionSettingsCollection() != null) {
            d.withEncryptionSettingsCollection(Ade.disabledCopy(src.encryptionSettingsCollection()));
        }
        if (src.securityProfile() != null && src.securityProfile().securityType() != null) {
            d.withSecurityProfile(new DiskSecurityProfile().withSecurityType(src.securityProfile().securityType())
                    .withSecureVMDiskEncryptionSetId(src.securityProfile().secureVMDiskEncryptionSetId()));
        }
        d.withNetworkAccessPolicy(src.networkAccessPolicy()).withDiskAccessId(src.diskAccessId()).withPublicNetworkAccess(src.publicNetworkAccess())
                .withDataAccessAuthMode(src.dataAccessAuthMode());
        return d;
    }
}
