package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.fluent.models.SnapshotInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.DataDisk;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.SnapshotState;

import java.util.Map;

/** Managed disks and snapshots as ARM returns them, in the engine's words. */
final class DiskReader {
    private DiskReader() {
    }

    /** {@code holder} is the VM the disk is attached to (read for the LUN), or null. */
    static DiskInfo disk(DiskInner d, VirtualMachineInner holder) {
        String source = d.creationData() == null ? null : d.creationData().sourceResourceId();
        String by = d.managedBy();
        String device = null;
        DiskState state;
        if ("Failed".equalsIgnoreCase(d.provisioningState())) {
            state = DiskState.ERROR;
        } else if (by == null) {
            state = "Succeeded".equalsIgnoreCase(d.provisioningState()) ? DiskState.AVAILABLE : DiskState.CREATING;
        } else {
            state = DiskState.IN_USE;
            DataDisk dd = dataDisk(holder, d.id());
            if (holder != null && holder.storageProfile().osDisk() != null && holder.storageProfile().osDisk().managedDisk() != null
                    && d.id().equalsIgnoreCase(holder.storageProfile().osDisk().managedDisk().id())) {
                device = "os";
            } else if (dd != null) {
                device = Luns.device(dd.lun());
                if (Boolean.TRUE.equals(dd.toBeDetached())) {
                    state = DiskState.DETACHING;
                } else if ("Updating".equalsIgnoreCase(holder.provisioningState())) {
                    // the VM update that attaches it has not finished (a VM left "Failed" by an earlier update keeps its disks attached)
                    state = DiskState.ATTACHING;
                }
            } else {
                state = DiskState.ATTACHING; // the disk names the VM, the VM does not list it yet
            }
        }
        return new DiskInfo(d.id(), d.name(), state, by, device, source, tags(d.tags()));
    }

    static SnapshotInfo snapshot(SnapshotInner s) {
        String source = s.creationData() == null ? null : s.creationData().sourceResourceId();
        SnapshotState state;
        if ("Failed".equalsIgnoreCase(s.provisioningState()) || s.copyCompletionError() != null) {
            state = SnapshotState.ERROR;
        } else if ("Succeeded".equalsIgnoreCase(s.provisioningState()) && (s.completionPercent() == null || s.completionPercent() >= 100f)) {
            // an incremental snapshot is usable only when its background copy is done (completionPercent 100)
            state = SnapshotState.COMPLETED;
        } else {
            state = SnapshotState.PENDING;
        }
        return new SnapshotInfo(s.id(), s.name(), state, source, tags(s.tags()));
    }

    private static DataDisk dataDisk(VirtualMachineInner vm, String diskId) {
        if (vm == null || vm.storageProfile() == null || vm.storageProfile().dataDisks() == null) {
            return null;
        }
        for (DataDisk dd : vm.storageProfile().dataDisks()) {
            if (dd.managedDisk() != null && diskId.equalsIgnoreCase(dd.managedDisk().id())) {
                return dd;
            }
        }
        return null;
    }

    static Map<String, String> tags(Map<String, String> t) {
        return t == null ? Map.of() : Map.copyOf(t);
    }
}
