package io.bootmedic.cloud.provider;

import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.VmInfo;
import io.bootmedic.cloud.provider.Model.VmRef;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One cloud (or hypervisor), as the engine needs it. Every method is one observable API operation; none waits, none
 * decides. Writes return once the cloud accepted them; the engine polls reads for the result and tolerates stale reads
 * for a grace period. Any call may throw {@link CloudException}. An adapter must not retry beyond its SDK's own policy,
 * must not invent names, and must pass tags through unchanged: naming, reuse, ordering and every safety check are the
 * engine's (docs/mass-remediation.md "The engine").
 */
public interface CloudProvider {
    /** The longest resource name the cloud accepts; the engine refuses a VM whose names would not fit, never truncates. */
    int maxNameLength();

    List<VmRef> discover();

    VmInfo describeVm(String vmId);

    /** The scan before anything changes: does the VM's disk hold something bootmedic would fix. */
    Scan scan(String vmId);

    void stopVm(String vmId);

    void startVm(String vmId);

    DiskInfo describeDisk(String diskId);

    Optional<DiskInfo> findDisk(String name);

    SnapshotInfo describeSnapshot(String snapshotId);

    Optional<SnapshotInfo> findSnapshot(String name);

    /** Starts a snapshot; returns its ID. {@code name} is unique; {@code ALREADY_EXISTS} when taken. */
    String createSnapshot(String diskId, String name, Map<String, String> tags);

    /** Starts a disk made from a snapshot; returns its ID. */
    String createDisk(String snapshotId, String name, Map<String, String> tags);

    void attachDisk(String diskId, String workerId, String device);

    void detachDisk(String diskId, String workerId);

    /**
     * Makes {@code diskId} the VM's boot disk; the VM must be stopped. The disk it replaces stays, detached. Where the
     * cloud has no one call for it (AWS, GCP: detach the boot disk, then attach the other), an adapter takes the next
     * half each time it is called and returns; a VM read stopped with no boot disk is a swap torn between the halves,
     * which the engine finishes by calling this again (towards the copy in a swap, towards the original in a rollback).
     */
    void setBootDisk(String vmId, String diskId);

    void deleteDisk(String diskId);

    /**
     * Starts bootmedic on the worker against the disk at {@code device}; the worker refuses a device that is not
     * {@code expectDiskId}. {@code name} is unique per run and VM, so a resumed run finds the command instead of starting another.
     */
    String startFix(String workerId, String device, String expectDiskId, String name);

    Optional<CommandInfo> findCommand(String workerId, String name);

    CommandInfo describeCommand(String workerId, String commandId);

    void cancelCommand(String workerId, String commandId);

    /** Asks the worker whether any process holds {@code device} open (fuser/lsof there): the release check of invariant 3. */
    boolean deviceHeld(String workerId, String device);
}
