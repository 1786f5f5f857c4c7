package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.models.DiskUpdate;
import com.azure.resourcemanager.compute.models.EncryptionSettingsCollection;
import com.azure.resourcemanager.compute.models.EncryptionSettingsElement;

/**
 * Single-pass Azure Disk Encryption (the disk resource carries encryptionSettingsCollection: the BEK's Key Vault
 * secret). ARM refuses such a disk as a data disk of a VM without the ADE extension, so a copy is made with the
 * settings off and gets them back before it becomes the OS disk; the worker reads the BEK from Key Vault itself.
 * A key-encryption key (KEK) wraps the BEK, which worker-fix.sh does not unwrap: refused, as the old script did.
 */
final class Ade {
    private Ade() {
    }

    static boolean on(DiskInner d) {
        return d.encryptionSettingsCollection() != null && d.encryptionSettingsCollection().enabled();
    }

    /** A copy of an ADE disk whose settings are off: turned on again before the swap. */
    static boolean disabled(DiskInner d) {
        return d.encryptionSettingsCollection() != null && !d.encryptionSettingsCollection().enabled() && secretUrl(d) != null;
    }

    static String secretUrl(DiskInner d) {
        EncryptionSettingsCollection c = d.encryptionSettingsCollection();
        if (c == null || c.encryptionSettings() == null) {
            return null;
        }
        for (EncryptionSettingsElement e : c.encryptionSettings()) {
            if (e.diskEncryptionKey() != null && e.diskEncryptionKey().secretUrl() != null) {
                return e.diskEncryptionKey().secretUrl();
            }
        }
        return null;
    }

    /** Why an ADE disk is not repaired, or null (not ADE, or single pass without a KEK and --ade given). */
    static String refusal(DiskInner d, boolean allowed) {
        if (!on(d)) {
            return null;
        }
        boolean kek = d.encryptionSettingsCollection().encryptionSettings() != null
                && d.encryptionSettingsCollection().encryptionSettings().stream().anyMatch(e -> e.keyEncryptionKey() != null);
        if (kek) {
            return "its OS disk uses Azure Disk Encryption with a key-encryption key (KEK), which the worker does not unwrap: nothing was changed; "
                    + "see 'Azure Disk Encryption' in docs/routes/azure.md";
        }
        if (!allowed) {
            return "its OS disk uses Azure Disk Encryption: nothing was changed; run again with --ade after reading 'Azure Disk Encryption' in docs/routes/azure.md";
        }
        return null;
    }

    static EncryptionSettingsCollection disabledCopy(EncryptionSettingsCollection c) {
        return new EncryptionSettingsCollection().withEnabled(false).withEncryptionSettings(c.encryptionSettings())
                .withEncryptionSettingsVersion(c.encryptionSettingsVersion());
    }

    static DiskUpdate enable(DiskInner d) {
        EncryptionSettingsCollection c = d.encryptionSettingsCollection();
        return new DiskUpdate().withEncryptionSettingsCollection(new EncryptionSettingsCollection().withEnabled(true).withEncryptionSettings(c.encryptionSettings())
                .withEncryptionSettingsVersion(c.encryptionSettingsVersion()));
    }
}
