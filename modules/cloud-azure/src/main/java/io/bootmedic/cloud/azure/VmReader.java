package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.ManagedDiskParameters;
import com.azure.resourcemanager.compute.models.OSDisk;
import com.azure.resourcemanager.compute.models.OperatingSystemTypes;
import io.bootmedic.cloud.provider.Model.Encryption;
import io.bootmedic.cloud.provider.Model.Group;
import io.bootmedic.cloud.provider.Model.Os;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.VmInfo;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A virtual machine as ARM returns it (with its instance view), in the engine's words. */
final class VmReader {
    private VmReader() {
    }

    static VmInfo read(VirtualMachineInner vm, String runRegion) {
        OSDisk os = vm.storageProfile() == null ? null : vm.storageProfile().osDisk();
        ManagedDiskParameters md = os == null ? null : os.managedDisk();
        boolean ephemeral = os != null && os.diffDiskSettings() != null && os.diffDiskSettings().option() != null;
        // an unmanaged (VHD) or ephemeral OS disk has no disk resource to snapshot or swap: no boot disk for the engine
        String boot = md == null || ephemeral || os.vhd() != null ? null : md.id();
        Map<String, String> tags = vm.tags() == null ? Map.of() : Map.copyOf(vm.tags());
        return new VmInfo(vm.id(), vm.vmId(), power(vm), os(os), vm.virtualMachineScaleSet() != null ? Group.SCALE_SET : Group.NONE, encryption(vm, os, md),
                ephemeral, boot, tags, zone(vm, md, runRegion));
    }

    /**
     * Where a copy of the VM's OS disk can attach: null for a regional or zone-redundant disk in the run's region (any
     * worker there), "region/zone" for a zonal disk (only a worker in that zone), the region alone for a VM in another
     * region (no worker of this run serves it, so the engine skips it before anything changes).
     */
    static String zone(VirtualMachineInner vm, ManagedDiskParameters md, String runRegion) {
        String region = vm.location() == null ? "" : vm.location().toLowerCase(Locale.ROOT);
        if (runRegion != null && !region.equals(runRegion)) {
            return region;
        }
        boolean zrs = md != null && md.storageAccountType() != null && md.storageAccountType().toString().endsWith("_ZRS");
        List<String> zones = vm.zones();
        return zones == null || zones.isEmpty() || zrs ? null : region + "/" + zones.get(0);
    }

    static Power power(VirtualMachineInner vm) {
        String p = null;
        if (vm.instanceView() != null && vm.instanceView().statuses() != null) {
            for (InstanceViewStatus s : vm.instanceView().statuses()) {
                if (s.code() != null && s.code().startsWith("PowerState/")) {
                    p = s.code().substring("PowerState/".length());
                }
            }
        }
        if (p == null) {
            return Power.STARTING; // no power state yet (being created, or the read had no instance view): look again
        }
        return switch (p) {
            case "running" -> Power.RUNNING;
            case "deallocated" -> Power.STOPPED;
            // powered off but still allocated: only a deallocated VM's OS disk can be swapped, so it is deallocated like a running one
            case "stopped" -> Power.RUNNING;
            case "stopping", "deallocating" -> Power.STOPPING;
            default -> Power.STARTING;
        };
    }

    private static Os os(OSDisk os) {
        if (os == null || os.osType() == null) {
            return Os.UNKNOWN;
        }
        return os.osType() == OperatingSystemTypes.WINDOWS ? Os.WINDOWS : os.osType() == OperatingSystemTypes.LINUX ? Os.LINUX : Os.UNKNOWN;
    }

    private static Encryption encryption(VirtualMachineInner vm, OSDisk os, ManagedDiskParameters md) {
        String security = vm.securityProfile() == null || vm.securityProfile().securityType() == null ? "" : vm.securityProfile().securityType().toString();
        if (security.startsWith("ConfidentialVM")) {
            return Encryption.CONFIDENTIAL; // the OS disk is bound to the VM's vTPM: no other VM can read it
        }
        if (os != null && os.encryptionSettings() != null) {
            return Encryption.GUEST_DUAL_PASS; // ADE's first version keeps its settings on the VM model (dual pass)
        }
        if (md != null && md.diskEncryptionSet() != null && md.diskEncryptionSet().id() != null) {
            return Encryption.CUSTOMER_KEY;
        }
        return Encryption.PLATFORM_KEY;
    }

    /** True when the guest agent reports Ready: Windows booted far enough to run it, so the VM is not boot-looping. */
    static boolean agentReady(VirtualMachineInner vm) {
        if (vm.instanceView() == null || vm.instanceView().vmAgent() == null || vm.instanceView().vmAgent().statuses() == null) {
            return false;
        }
        return vm.instanceView().vmAgent().statuses().stream().anyMatch(s -> "Ready".equalsIgnoreCase(s.displayStatus()));
    }
}
