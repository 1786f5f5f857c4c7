package io.bootmedic.cloud.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.policy.AddHeadersFromContextPolicy;
import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.fluent.models.SnapshotInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineUpdateInner;
import com.azure.resourcemanager.compute.models.AttachDetachDataDisksRequest;
import com.azure.resourcemanager.compute.models.CachingTypes;
import com.azure.resourcemanager.compute.models.CreationData;
import com.azure.resourcemanager.compute.models.DataDisk;
import com.azure.resourcemanager.compute.models.DataDisksToAttach;
import com.azure.resourcemanager.compute.models.DataDisksToDetach;
import com.azure.resourcemanager.compute.models.DiskCreateOption;
import com.azure.resourcemanager.compute.models.DiskDeleteOptionTypes;
import com.azure.resourcemanager.compute.models.InstanceViewTypes;
import com.azure.resourcemanager.compute.models.ManagedDiskParameters;
import com.azure.resourcemanager.compute.models.OSDisk;
import com.azure.resourcemanager.compute.models.StorageProfile;
import com.azure.resourcemanager.resources.fluentcore.arm.ResourceId;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.VmInfo;
import io.bootmedic.cloud.provider.Model.VmRef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Azure as the engine sees it: VMs, managed disks and snapshots through the Azure SDK's resource-manager client
 * (api-version 2025-04-01 for VMs and run commands, 2025-01-02 for disks and snapshots), the fix through a managed run
 * command on the worker. Each method sends one write, or reads; long-running operations are started and not waited for
 * (a failed one is reported by the next read of its resource, {@link PendingOperations}). The snapshots and copies of a
 * run live in one resource group ({@code workGroup}), so a resumed run finds them by name alone.
 */
public final class AzureProvider implements CloudProvider {
    private final ComputeManagementClient arm;
    private final Targets targets;
    private final String workGroup;
    private final String region;
    private final Map<String, WorkerVm> workers;
    private final RunCommands commands;
    private final ReleaseChecks releases;
    private final boolean skipBooted;
    private final boolean ade;
    private final PendingOperations pending = new PendingOperations();
    /** What the worker is told about a disk, from the last read: its size (--expect-size) and ADE's BEK secret (--bek-secret-url). */
    private record DiskFacts(long size, String bekSecretUrl) {
    }

    private final Map<String, DiskFacts> facts = new ConcurrentHashMap<>();

    /**
     * @param skipBooted a running VM whose guest agent reports Ready booted Windows: the scan calls it clean (never stopped)
     */
    AzureProvider(ComputeManagementClient arm, Targets targets, String workGroup, String region, List<WorkerVm> workers, WorkerScript script, int runTimeoutSeconds,
            boolean skipBooted, boolean ade) {
        this.arm = arm;
        this.targets = targets;
        this.workGroup = workGroup;
        this.region = region.toLowerCase(Locale.ROOT);
        this.workers = new LinkedHashMap<>();
        workers.forEach(w -> this.workers.put(key(w.id()), w));
        this.commands = new RunCommands(arm.getVirtualMachineRunCommands(), script, runTimeoutSeconds);
        this.releases = new ReleaseChecks(commands, script, System::nanoTime);
        this.skipBooted = skipBooted;
        this.ade = ade;
    }

    @Override
    public int maxNameLength() {
        return 80; // Microsoft.Compute/disks and snapshots: 1-80 characters
    }

    // ---- VMs ------------------------------------------------------------------------------------

    @Override
    public List<VmRef> discover() {
        Map<String, VmRef> found = new LinkedHashMap<>();
        for (Targets.GroupAndName g : targets.vms()) {
            add(found, getVm(g.group(), g.name(), false));
        }
        if (targets.byTag() || targets.wholeGroup()) {
            Iterable<VirtualMachineInner> all = ArmErrors.call("listing VMs", () -> targets.group() == null ? arm.getVirtualMachines().list()
                    : arm.getVirtualMachines().listByResourceGroup(targets.group()));
            ArmErrors.run("listing VMs", () -> all.forEach(vm -> {
                if (!targets.byTag() || (vm.tags() != null && targets.tagValue().equals(vm.tags().get(targets.tagKey())))) {
                    add(found, vm);
                }
            }));
        }
        return new ArrayList<>(found.values());
    }

    private void add(Map<String, VmRef> found, VirtualMachineInner vm) {
        if (!workers.containsKey(key(vm.id()))) {
            ResourceId r = ResourceId.fromString(vm.id());
            found.putIfAbsent(key(vm.id()), new VmRef(vm.id(), vm.vmId(), r.resourceGroupName() + "/" + r.name()));
        }
    }

    @Override
    public VmInfo describeVm(String vmId) {
        VirtualMachineInner vm = getVm(vmId, true);
        pending.check(vmId);
        VmInfo info = VmReader.read(vm, region);
        // an encryption this run cannot read is the engine's reason to skip the VM untouched (SKIPPED, not a failure)
        OSDisk os = vm.storageProfile().osDisk();
        String refusal = os.managedDisk() != null && os.managedDisk().id() != null ? Ade.refusal(getDisk(os.managedDisk().id()), ade) : null;
        return refusal == null ? info : new VmInfo(info.id(), info.uid(), info.power(), info.os(), info.group(), info.encryption(), info.localSsd(),
                info.bootDiskId(), info.tags(), info.zone(), refusal);
    }

    @Override
    public Scan scan(String vmId) {
        VirtualMachineInner vm = getVm(vmId, true);
        if (skipBooted && VmReader.power(vm) == Power.RUNNING && VmReader.agentReady(vm)) {
            return Scan.CLEAN;
        }
        return Scan.UNKNOWN;
    }

    /** Deallocate, not power off: ARM changes a VM's OS disk only when it is deallocated, and a deallocated VM releases its compute. */
    @Override
    public void stopVm(String vmId) {
        ResourceId r = ResourceId.fromString(vmId);
        pending.started("deallocating " + r.name(), ArmErrors.call("deallocating " + r.name(), () -> arm.getVirtualMachines().beginDeallocate(r.resourceGroupName(),
                r.name())), vmId);
    }

    @Override
    public void startVm(String vmId) {
        ResourceId r = ResourceId.fromString(vmId);
        pending.started("starting " + r.name(), ArmErrors.call("starting " + r.name(), () -> arm.getVirtualMachines().beginStart(r.resourceGroupName(), r.name())),
                vmId);
    }

    /**
     * One PATCH of storageProfile.osDisk.managedDisk.id on the deallocated VM; ARM swaps in place (the old disk stays,
     * detached). An ADE copy first gets its encryption settings back (off while it was the worker's data disk): that
     * PATCH of the disk is this call's write, and the engine's next call makes the swap.
     */
    @Override
    public void setBootDisk(String vmId, String diskId) {
        ResourceId r = ResourceId.fromString(vmId);
        DiskInner target = getDisk(diskId);
        if (Ade.disabled(target)) {
            ResourceId dr = ResourceId.fromString(diskId);
            pending.started("turning ADE settings back on for " + dr.name(), ArmErrors.call("turning ADE settings back on for " + dr.name(),
                    () -> arm.getDisks().beginUpdate(dr.resourceGroupName(), dr.name(), Ade.enable(target))), diskId);
            return;
        }
        VirtualMachineInner vm = getVm(vmId, false);
        OSDisk current = vm.storageProfile().osDisk();
        OSDisk os = new OSDisk().withName(ResourceId.fromString(diskId).name()).withCreateOption(current.createOption())
                .withManagedDisk(new ManagedDiskParameters().withId(diskId));
        VirtualMachineUpdateInner patch = new VirtualMachineUpdateInner().withStorageProfile(new StorageProfile().withOsDisk(os));
        pending.started("swapping the OS disk of " + r.name(), ArmErrors.call("swapping the OS disk of " + r.name(),
                () -> arm.getVirtualMachines().beginUpdate(r.resourceGroupName(), r.name(), patch)), vmId);
    }

    private VirtualMachineInner getVm(String vmId, boolean instanceView) {
        ResourceId r = ResourceId.fromString(vmId);
        return getVm(r.resourceGroupName(), r.name(), instanceView);
    }

    private VirtualMachineInner getVm(String group, String name, boolean instanceView) {
        return ArmErrors.call("reading VM " + group + "/" + name, () -> arm.getVirtualMachines()
                .getByResourceGroupWithResponse(group, name, instanceView ? InstanceViewTypes.INSTANCE_VIEW : null, Context.NONE).getValue());
    }

    // ---- disks and snapshots ----------------------------------------------------------------------

    @Override
    public DiskInfo describeDisk(String diskId) {
        DiskInner d = getDisk(diskId);
        VirtualMachineInner holder = d.managedBy() == null ? null : getVm(d.managedBy(), false);
        boolean failed = false;
        try {
            pending.check("create:" + diskId);
        } catch (CloudException e) {
            failed = true; // the copy's creation failed: its state says so
        }
        pending.check(diskId); // an attach or detach that failed
        DiskInfo info = DiskReader.disk(d, holder);
        if (failed) {
            info = new DiskInfo(info.id(), info.name(), io.bootmedic.cloud.provider.Model.DiskState.ERROR, info.attachedTo(), info.device(), info.sourceSnapshotId(),
                    info.tags());
        }
        return info;
    }

    @Override
    public Optional<DiskInfo> findDisk(String name) {
        try {
            return Optional.of(describeDisk(ResourceIds.disk(arm, workGroup, name)));
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public SnapshotInfo describeSnapshot(String snapshotId) {
        ResourceId r = ResourceId.fromString(snapshotId);
        SnapshotInner s = ArmErrors.call("reading snapshot " + r.name(),
                () -> arm.getSnapshots().getByResourceGroupWithResponse(r.resourceGroupName(), r.name(), Context.NONE).getValue());
        SnapshotInfo info = DiskReader.snapshot(s);
        try {
            pending.check(snapshotId);
        } catch (CloudException e) {
            return new SnapshotInfo(info.id(), info.name(), io.bootmedic.cloud.provider.Model.SnapshotState.ERROR, info.sourceDiskId(), info.tags());
        }
        return info;
    }

    @Override
    public Optional<SnapshotInfo> findSnapshot(String name) {
        try {
            return Optional.of(describeSnapshot(ResourceIds.snapshot(arm, workGroup, name)));
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** An incremental snapshot (as the old script made: cheap, and kept for rollback), in the source disk's region, with its encryption. */
    @Override
    public String createSnapshot(String diskId, String name, Map<String, String> tags) {
        DiskInner src = getDisk(diskId);
        SnapshotInner s = new SnapshotInner().withIncremental(true).withCreationData(new CreationData().withCreateOption(DiskCreateOption.COPY).withSourceResourceId(diskId));
        s.withLocation(src.location());
        s.withTags(new HashMap<>(tags));
        if (src.encryption() != null && src.encryption().diskEncryptionSetId() != null) {
            s.withEncryption(src.encryption());
        }
        String id = ResourceIds.snapshot(arm, workGroup, name);
        pending.started("snapshot " + name, ArmErrors.call("creating snapshot " + name, () -> arm.getSnapshots().beginCreateOrUpdate(workGroup, name, s, createOnly())),
                id);
        return id;
    }

    /** The copy keeps what makes it bootable in the VM's place: zone, SKU, tags, encryption set, Hyper-V generation, security profile. */
    @Override
    public String createDisk(String snapshotId, String name, Map<String, String> tags) {
        ResourceId sr = ResourceId.fromString(snapshotId);
        SnapshotInner snap = ArmErrors.call("reading snapshot " + sr.name(),
                () -> arm.getSnapshots().getByResourceGroupWithResponse(sr.resourceGroupName(), sr.name(), Context.NONE).getValue());
        DiskInner src = getDisk(snap.creationData().sourceResourceId());
        DiskInner copy = CopySpec.of(src, snapshotId, tags);
        String id = ResourceIds.disk(arm, workGroup, name);
        pending.started("creating disk " + name, ArmErrors.call("creating disk " + name, () -> arm.getDisks().beginCreateOrUpdate(workGroup, name, copy, createOnly())),
                "create:" + id);
        return id;
    }

    @Override
    public void deleteDisk(String diskId) {
        ResourceId r = ResourceId.fromString(diskId);
        ArmErrors.run("deleting disk " + r.name(), () -> arm.getDisks().beginDelete(r.resourceGroupName(), r.name()));
    }

    /** One attachDetachDataDisks call: no read-modify-write of the worker's disk list, so copies for several VMs attach to one worker without a lock. */
    @Override
    public void attachDisk(String diskId, String workerId, String device) {
        WorkerVm w = worker(workerId);
        AttachDetachDataDisksRequest req = new AttachDetachDataDisksRequest().withDataDisksToAttach(List.of(new DataDisksToAttach().withDiskId(diskId)
                .withLun(Luns.lun(device)).withCaching(CachingTypes.NONE).withDeleteOption(DiskDeleteOptionTypes.DETACH)));
        pending.started("attaching " + ResourceId.fromString(diskId).name() + " to " + w.name(), ArmErrors.call("attaching a disk to " + w.name(),
                () -> arm.getVirtualMachines().beginAttachDetachDataDisks(w.group(), w.name(), req)), diskId);
    }

    @Override
    public void detachDisk(String diskId, String workerId) {
        WorkerVm w = worker(workerId);
        AttachDetachDataDisksRequest req = new AttachDetachDataDisksRequest().withDataDisksToDetach(List.of(new DataDisksToDetach().withDiskId(diskId)));
        pending.started("detaching " + ResourceId.fromString(diskId).name() + " from " + w.name(), ArmErrors.call("detaching a disk from " + w.name(),
                () -> arm.getVirtualMachines().beginAttachDetachDataDisks(w.group(), w.name(), req)), diskId);
    }

    private DiskInner getDisk(String diskId) {
        ResourceId r = ResourceId.fromString(diskId);
        DiskInner d = ArmErrors.call("reading disk " + r.name(), () -> arm.getDisks().getByResourceGroupWithResponse(r.resourceGroupName(), r.name(), Context.NONE)
                .getValue());
        if (d.diskSizeBytes() != null) {
            facts.put(key(d.id()), new DiskFacts(d.diskSizeBytes(), Ade.secretUrl(d)));
        }
        return d;
    }

    /** If-None-Match: * on a PUT: a name that is taken is refused (412), not overwritten (a PUT is an upsert in ARM). */
    private static Context createOnly() {
        return new Context(AddHeadersFromContextPolicy.AZURE_REQUEST_HTTP_HEADERS_KEY, new HttpHeaders().set(HttpHeaderName.IF_NONE_MATCH, "*"));
    }

    // ---- the worker ---------------------------------------------------------------------------------

    @Override
    public String startFix(String workerId, String device, String expectDiskId, String name) {
        WorkerVm w = worker(workerId);
        DiskFacts f = facts.get(key(expectDiskId));
        if (f == null) {
            getDisk(expectDiskId);
            f = facts.get(key(expectDiskId));
        }
        return commands.startFix(w, Luns.lun(device), f.size(), f.bekSecretUrl(), name);
    }

    @Override
    public Optional<CommandInfo> findCommand(String workerId, String name) {
        return commands.find(worker(workerId), name);
    }

    /** A fix command that is gone (deleted to stop it) reads as cancelled, its writer not seen to exit: the worker is asked. */
    @Override
    public CommandInfo describeCommand(String workerId, String commandId) {
        try {
            return commands.describe(worker(workerId), commandId);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return new CommandInfo(commandId, commandId, io.bootmedic.cloud.provider.Model.CommandState.CANCELLED, false, false);
            }
            throw e;
        }
    }

    @Override
    public void cancelCommand(String workerId, String commandId) {
        commands.cancel(worker(workerId), commandId);
    }

    /** Nothing can hold a LUN with no disk; otherwise the worker itself is asked (worker-fix.sh --release). */
    @Override
    public boolean deviceHeld(String workerId, String device) {
        WorkerVm w = worker(workerId);
        int lun = Luns.lun(device);
        VirtualMachineInner vm = getVm(w.group(), w.name(), false);
        boolean present = false;
        for (DataDisk dd : vm.storageProfile().dataDisks() == null ? List.<DataDisk>of() : vm.storageProfile().dataDisks()) {
            present |= dd.lun() == lun;
        }
        if (!present) {
            return false;
        }
        return releases.held(w, lun);
    }

    private WorkerVm worker(String workerId) {
        WorkerVm w = workers.get(key(workerId));
        if (w == null) {
            throw new CloudException(Kind.FATAL, "not a worker of this run: " + workerId);
        }
        return w;
    }

    static String key(String id) {
        return id.toLowerCase(Locale.ROOT);
    }

    Set<String> workerIds() {
        return workers.keySet();
    }
}
