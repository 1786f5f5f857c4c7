package io.bootmedic.cloud.gcp;

import com.google.cloud.compute.v1.AttachDiskInstanceRequest;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.CustomerEncryptionKey;
import com.google.cloud.compute.v1.DeleteDiskRequest;
import com.google.cloud.compute.v1.DetachDiskInstanceRequest;
import com.google.cloud.compute.v1.Disk;
import com.google.cloud.compute.v1.GetDiskRequest;
import com.google.cloud.compute.v1.GetGlobalOperationRequest;
import com.google.cloud.compute.v1.GetInstanceRequest;
import com.google.cloud.compute.v1.GetSnapshotRequest;
import com.google.cloud.compute.v1.GetZoneOperationRequest;
import com.google.cloud.compute.v1.InsertDiskRequest;
import com.google.cloud.compute.v1.InsertSnapshotRequest;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.InstancesSetLabelsRequest;
import com.google.cloud.compute.v1.ListInstancesRequest;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.SetLabelsInstanceRequest;
import com.google.cloud.compute.v1.Snapshot;
import com.google.cloud.compute.v1.StartInstanceRequest;
import com.google.cloud.compute.v1.StopInstanceRequest;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;
import io.bootmedic.cloud.provider.Model.Encryption;
import io.bootmedic.cloud.provider.Model.Group;
import io.bootmedic.cloud.provider.Model.Os;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.SnapshotState;
import io.bootmedic.cloud.provider.Model.VmInfo;
import io.bootmedic.cloud.provider.Model.VmRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compute Engine behind the engine's seam: one zone of one project, its target VMs chosen by name or label, its workers
 * named. Each method is one API call (plus the reads it needs to fill its answer); labels carry the engine's tags.
 * Writes return the operation's first answer and never wait; a create's operation is kept in the pending ID so a read
 * sees an asynchronous failure at once.
 */
public final class GcpProvider implements CloudProvider {
    /** Instance labels that keep the boot disk's attachment across a two-call swap (the device name, SCSI/NVMe, auto-delete). */
    static final String LABEL_BOOT_DEVICE = "bootmedic-boot-device";
    static final String LABEL_BOOT_INTERFACE = "bootmedic-boot-interface";
    static final String LABEL_BOOT_AUTO_DELETE = "bootmedic-boot-autodelete";

    /** What to repair: named instances, and/or every instance with a label. */
    public record Targets(List<String> instances, String labelKey, String labelValue) {
    }

    /** A worker, its machine series (which disk families it can attach) and the interface its own boot disk uses (SCSI or NVME). */
    public record GcpWorker(String id, String series, String iface) {
    }

    private final Compute api;
    private final String project;
    private final String zone;
    private final Targets targets;
    private final List<GcpWorker> workers;
    private final WorkerJobs jobs;
    /** pending create ID -> the source it was made from, for a failed create whose resource is gone. */
    private final Map<String, String> pendingSource = new ConcurrentHashMap<>();

    GcpProvider(Compute api, String zone, Targets targets, List<GcpWorker> workers, WorkerJobs jobs) {
        this.api = api;
        this.project = api.project();
        this.zone = zone;
        this.targets = targets;
        this.workers = List.copyOf(workers);
        this.jobs = jobs;
    }

    @Override
    public int maxNameLength() {
        return 63;
    }

    @Override
    public List<VmRef> discover() {
        Set<String> workerIds = new LinkedHashSet<>();
        workers.forEach(w -> workerIds.add(w.id()));
        Map<String, VmRef> out = new LinkedHashMap<>();
        for (String name : targets.instances()) {
            Instance i = getInstance(zone, name);
            out.put(zone + "/" + name, ref(i));
        }
        if (targets.labelKey() != null) {
            ListInstancesRequest req = ListInstancesRequest.newBuilder().setProject(project).setZone(zone)
                    .setFilter("labels." + targets.labelKey() + " = \"" + targets.labelValue() + "\"").build();
            GcpErrors.call("instances.list", () -> {
                for (Instance i : api.instances().list(req).iterateAll()) {
                    out.putIfAbsent(zone + "/" + i.getName(), ref(i));
                }
                return null;
            });
        }
        workerIds.forEach(out::remove); // a worker is never a target
        return new ArrayList<>(out.values());
    }

    private VmRef ref(Instance i) {
        // the numeric ID, never the name: two VMs of one template share disk-name prefixes, and a name is reused after a delete
        return new VmRef(GcpIds.last(i.getZone()) + "/" + i.getName(), Long.toUnsignedString(i.getId()), i.getName());
    }

    private Instance getInstance(String z, String name) {
        return GcpErrors.call("instances.get " + name,
                () -> api.instances().get(GetInstanceRequest.newBuilder().setProject(project).setZone(z).setInstance(name).build()));
    }

    private Disk getDisk(String z, String name) {
        return GcpErrors.call("disks.get " + name, () -> api.disks().get(GetDiskRequest.newBuilder().setProject(project).setZone(z).setDisk(name).build()));
    }

    @Override
    public VmInfo describeVm(String vmId) {
        GcpIds.Zonal id = GcpIds.zonal(vmId);
        Instance i = getInstance(id.zone(), id.name());
        AttachedDisk boot = boot(i);
        String bootId = boot == null ? null : GcpIds.fromUrl(boot.getSource());
        String refusal = null;
        Encryption enc = Encryption.PLATFORM_KEY;
        if (boot != null && bootId == null) {
            refusal = "its boot disk " + GcpIds.last(boot.getSource()) + " is regional, which this route does not copy";
        } else if (boot != null) {
            Disk d = getDisk(id.zone(), GcpIds.zonal(bootId).name());
            String type = GcpIds.last(d.getType());
            if (d.hasDiskEncryptionKey() && (d.getDiskEncryptionKey().hasSha256() || d.getDiskEncryptionKey().hasRsaEncryptedKey())
                    && !d.getDiskEncryptionKey().hasKmsKeyName()) {
                refusal = "its boot disk has a customer-supplied key (CSEK), which would have to be given to every call";
                enc = Encryption.CUSTOMER_KEY;
            } else if (d.hasDiskEncryptionKey() && d.getDiskEncryptionKey().hasKmsKeyName()) {
                enc = Encryption.CUSTOMER_KEY;
            }
            List<String> cannot = workers.stream().filter(w -> w.id().startsWith(id.zone() + "/") && !DiskSupport.attaches(w.series(), type))
                    .map(GcpWorker::id).toList();
            if (!cannot.isEmpty()) {
                refusal = "its boot disk is " + type + ", which the worker(s) " + cannot + " cannot attach: use a worker of a series that does";
            }
        }
        boolean confidential = i.hasConfidentialInstanceConfig() && (i.getConfidentialInstanceConfig().getEnableConfidentialCompute()
                || !i.getConfidentialInstanceConfig().getConfidentialInstanceType().isEmpty()
                        && !i.getConfidentialInstanceConfig().getConfidentialInstanceType().endsWith("UNSPECIFIED"));
        if (confidential) {
            enc = Encryption.CONFIDENTIAL;
        }
        boolean localSsd = i.getDisksList().stream().anyMatch(a -> "SCRATCH".equals(a.getType()));
        Group group = i.getMetadata().getItemsList().stream()
                .anyMatch(m -> "created-by".equals(m.getKey()) && m.getValue().contains("/instanceGroupManagers/")) ? Group.MANAGED_INSTANCE_GROUP : Group.NONE;
        return new VmInfo(vmId, Long.toUnsignedString(i.getId()), power(i.getStatus()), os(boot), group, enc, localSsd, bootId,
                Labels.decode(i.getLabelsMap()), id.zone(), refusal);
    }

    static AttachedDisk boot(Instance i) {
        return i.getDisksList().stream().filter(AttachedDisk::getBoot).findFirst().orElse(null);
    }

    private static Os os(AttachedDisk boot) {
        if (boot == null) {
            return Os.UNKNOWN;
        }
        boolean windows = boot.getGuestOsFeaturesList().stream().anyMatch(f -> "WINDOWS".equals(f.getType()))
                || boot.getLicensesList().stream().anyMatch(l -> l.toLowerCase(Locale.ROOT).contains("/windows-cloud/"));
        return windows ? Os.WINDOWS : Os.LINUX;
    }

    private static Power power(String status) {
        return switch (status) {
            case "RUNNING" -> Power.RUNNING;
            case "TERMINATED", "STOPPED" -> Power.STOPPED;
            case "PROVISIONING", "STAGING", "REPAIRING" -> Power.STARTING;
            default -> Power.STOPPING; // STOPPING, SUSPENDING, SUSPENDED: not ours to handle; the engine waits, then fails the step
        };
    }

    /** Nothing here can read a running VM's disk: the scan is the fix's own report on the copy. */
    @Override
    public Scan scan(String vmId) {
        return Scan.UNKNOWN;
    }

    @Override
    public void stopVm(String vmId) {
        GcpIds.Zonal id = GcpIds.zonal(vmId);
        GcpErrors.run("instances.stop " + id.name(), () -> api.instances().stopCallable()
                .call(StopInstanceRequest.newBuilder().setProject(project).setZone(id.zone()).setInstance(id.name()).build()));
    }

    @Override
    public void startVm(String vmId) {
        GcpIds.Zonal id = GcpIds.zonal(vmId);
        GcpErrors.run("instances.start " + id.name(), () -> api.instances().startCallable()
                .call(StartInstanceRequest.newBuilder().setProject(project).setZone(id.zone()).setInstance(id.name()).build()));
    }

    @Override
    public DiskInfo describeDisk(String diskId) {
        GcpIds.Zonal id = GcpIds.zonal(diskId);
        Disk d;
        try {
            d = getDisk(id.zone(), id.name());
        } catch (CloudException e) {
            String failed = e.kind() == Kind.NOT_FOUND ? createFailure(id) : null;
            if (failed != null) {
                return new DiskInfo(id.id(), id.name(), DiskState.ERROR, null, null, pendingSource.get(diskId), Map.of());
            }
            throw e;
        }
        DiskState state = switch (d.getStatus()) {
            case "CREATING", "RESTORING" -> id.operation() != null && createFailure(id) != null ? DiskState.ERROR : DiskState.CREATING;
            case "READY" -> d.getUsersCount() > 0 ? DiskState.IN_USE : DiskState.AVAILABLE;
            default -> DiskState.ERROR; // FAILED, DELETING, UNAVAILABLE
        };
        String user = d.getUsersCount() > 0 ? GcpIds.fromUrl(d.getUsers(0)) : null;
        String device = null;
        if (user != null) {
            // the device name is on the instance's side of the attachment
            GcpIds.Zonal u = GcpIds.zonal(user);
            Instance i = getInstance(u.zone(), u.name());
            device = i.getDisksList().stream().filter(a -> id.id().equals(GcpIds.fromUrl(a.getSource()))).map(AttachedDisk::getDeviceName).findFirst()
                    .orElse(null);
        }
        if (user != null && device == null && state == DiskState.IN_USE) {
            // the disk names its user before the instance lists it (an attach under way, or a detach): not yet on a device
            state = DiskState.ATTACHING;
        }
        return new DiskInfo(id.id(), d.getName(), state, user, device, d.hasSourceSnapshot() ? GcpIds.last(d.getSourceSnapshot()) : null,
                Labels.decode(d.getLabelsMap()));
    }

    @Override
    public Optional<DiskInfo> findDisk(String name) {
        try {
            return Optional.of(describeDisk(zone + "/" + name));
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public SnapshotInfo describeSnapshot(String snapshotId) {
        int at = snapshotId.indexOf('@');
        String name = at < 0 ? snapshotId : snapshotId.substring(0, at);
        String op = at < 0 ? null : snapshotId.substring(at + 1);
        Snapshot s;
        try {
            s = GcpErrors.call("snapshots.get " + name, () -> api.snapshots().get(GetSnapshotRequest.newBuilder().setProject(project).setSnapshot(name).build()));
        } catch (CloudException e) {
            String failed = e.kind() == Kind.NOT_FOUND ? snapshotFailure(op) : null;
            if (failed != null) {
                return new SnapshotInfo(name, name, SnapshotState.ERROR, pendingSource.get(snapshotId), Map.of());
            }
            throw e;
        }
        SnapshotState state = switch (s.getStatus()) {
            case "READY" -> SnapshotState.COMPLETED;
            case "CREATING", "UPLOADING" -> op != null && snapshotFailure(op) != null ? SnapshotState.ERROR : SnapshotState.PENDING;
            default -> SnapshotState.ERROR; // FAILED, DELETING
        };
        return new SnapshotInfo(name, name, state, GcpIds.fromUrl(s.getSourceDisk()), Labels.decode(s.getLabelsMap()));
    }

    @Override
    public Optional<SnapshotInfo> findSnapshot(String name) {
        try {
            return Optional.of(describeSnapshot(name));
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The error of the operation that created this snapshot or disk, when its ID still carries it. Without it (a found
     * resource, a resumed run) nothing is listed: a create that failed left no resource, and the engine's find makes it again.
     */
    private String snapshotFailure(String op) {
        if (op == null) {
            return null;
        }
        return failure(GcpErrors.call("globalOperations.get " + op,
                () -> api.globalOperations().get(GetGlobalOperationRequest.newBuilder().setProject(project).setOperation(op).build())));
    }

    private String createFailure(GcpIds.Zonal id) {
        if (id.operation() == null) {
            return null;
        }
        return failure(GcpErrors.call("zoneOperations.get " + id.operation(), () -> api.zoneOperations()
                .get(GetZoneOperationRequest.newBuilder().setProject(project).setZone(id.zone()).setOperation(id.operation()).build())));
    }

    private static String failure(Operation o) {
        if (o == null || o.getStatus() != Operation.Status.DONE || !o.hasError() || o.getError().getErrorsCount() == 0) {
            return null;
        }
        return o.getError().getErrors(0).getCode() + ": " + o.getError().getErrors(0).getMessage();
    }

    @Override
    public String createSnapshot(String diskId, String name, Map<String, String> tags) {
        GcpIds.Zonal disk = GcpIds.zonal(diskId);
        Disk d = getDisk(disk.zone(), disk.name());
        Snapshot.Builder s = Snapshot.newBuilder().setName(name).setSourceDisk(GcpIds.diskUrl(project, diskId)).putAllLabels(Labels.encode(tags));
        if (d.hasDiskEncryptionKey() && d.getDiskEncryptionKey().hasKmsKeyName()) {
            // the original's own key: a CMEK disk's snapshot stays under the customer's key
            s.setSnapshotEncryptionKey(CustomerEncryptionKey.newBuilder().setKmsKeyName(withoutVersion(d.getDiskEncryptionKey().getKmsKeyName())));
        }
        Operation op = GcpErrors.call("snapshots.insert " + name,
                () -> api.snapshots().insertCallable().call(InsertSnapshotRequest.newBuilder().setProject(project).setSnapshotResource(s).build()));
        String id = name + "@" + op.getName();
        pendingSource.put(id, disk.id());
        return id;
    }

    private static String withoutVersion(String kms) {
        int v = kms.indexOf("/cryptoKeyVersions/");
        return v < 0 ? kms : kms.substring(0, v);
    }

    /**
     * A disk from the snapshot with the original's type, size, guest OS features, provisioned IOPS/throughput and CMEK key.
     * Licences are not sent (the API reserves them for Google); the disk inherits them from the snapshot.
     */
    @Override
    public String createDisk(String snapshotId, String name, Map<String, String> tags) {
        Snapshot s = GcpErrors.call("snapshots.get " + snapshotId,
                () -> api.snapshots().get(GetSnapshotRequest.newBuilder().setProject(project).setSnapshot(snapshotId).build()));
        String originalId = GcpIds.fromUrl(s.getSourceDisk());
        GcpIds.Zonal orig = GcpIds.zonal(originalId);
        Disk o = getDisk(orig.zone(), orig.name());
        Disk.Builder d = Disk.newBuilder().setName(name).setSourceSnapshot(GcpIds.snapshotUrl(project, snapshotId))
                .setType("projects/" + project + "/zones/" + orig.zone() + "/diskTypes/" + GcpIds.last(o.getType())).setSizeGb(o.getSizeGb())
                .addAllGuestOsFeatures(o.getGuestOsFeaturesList()).putAllLabels(Labels.encode(tags));
        if (o.hasProvisionedIops()) {
            d.setProvisionedIops(o.getProvisionedIops());
        }
        if (o.hasProvisionedThroughput()) {
            d.setProvisionedThroughput(o.getProvisionedThroughput());
        }
        if (o.hasDiskEncryptionKey() && o.getDiskEncryptionKey().hasKmsKeyName()) {
            d.setDiskEncryptionKey(CustomerEncryptionKey.newBuilder().setKmsKeyName(withoutVersion(o.getDiskEncryptionKey().getKmsKeyName())));
        }
        Operation op = GcpErrors.call("disks.insert " + name, () -> api.disks().insertCallable()
                .call(InsertDiskRequest.newBuilder().setProject(project).setZone(orig.zone()).setDiskResource(d).build()));
        String id = orig.zone() + "/" + name + "@" + op.getName();
        pendingSource.put(id, snapshotId);
        return id;
    }

    @Override
    public void attachDisk(String diskId, String workerId, String device) {
        GcpIds.Zonal w = GcpIds.zonal(workerId);
        // the interface the worker boots from, which its series certainly supports (NVMe-only series refuse SCSI)
        String iface = workers.stream().filter(x -> x.id().equals(workerId)).map(GcpWorker::iface).findFirst().orElse("SCSI");
        AttachedDisk a = AttachedDisk.newBuilder().setSource(GcpIds.diskUrl(project, diskId)).setDeviceName(device).setMode("READ_WRITE")
                .setAutoDelete(false).setBoot(false).setInterface(iface).build();
        GcpErrors.run("instances.attachDisk " + w.name(), () -> api.instances().attachDiskCallable().call(AttachDiskInstanceRequest.newBuilder()
                .setProject(project).setZone(w.zone()).setInstance(w.name()).setAttachedDiskResource(a).build()));
    }

    @Override
    public void detachDisk(String diskId, String workerId) {
        GcpIds.Zonal w = GcpIds.zonal(workerId);
        Instance i = getInstance(w.zone(), w.name());
        String device = i.getDisksList().stream().filter(a -> diskId.equals(GcpIds.fromUrl(a.getSource()))).map(AttachedDisk::getDeviceName).findFirst()
                .orElseThrow(() -> new CloudException(Kind.CONFLICT, diskId + " is not attached to " + workerId));
        detach(w, device);
    }

    private void detach(GcpIds.Zonal instance, String device) {
        try {
            GcpErrors.run("instances.detachDisk " + instance.name(), () -> api.instances().detachDiskCallable().call(DetachDiskInstanceRequest
                    .newBuilder().setProject(project).setZone(instance.zone()).setInstance(instance.name()).setDeviceName(device).build()));
        } catch (CloudException e) {
            // an earlier detach finished between our read and this call: the device is gone, which is what was asked
            if (e.kind() == Kind.FATAL && getInstance(instance.zone(), instance.name()).getDisksList().stream().noneMatch(a -> device.equals(a.getDeviceName()))) {
                throw new CloudException(Kind.CONFLICT, e.getMessage() + " (already detached)");
            }
            throw e;
        }
    }

    /**
     * Two calls on GCP, one per call here. With a boot disk other than {@code diskId}: its attachment (device name,
     * interface, auto-delete) is saved in the instance's labels, then it is detached. With none: {@code diskId} is
     * attached as the boot disk under the saved device name and interface (SCSI or NVMe, as the VM booted before) and
     * auto-delete.
     */
    @Override
    public void setBootDisk(String vmId, String diskId) {
        GcpIds.Zonal id = GcpIds.zonal(vmId);
        Instance i = getInstance(id.zone(), id.name());
        AttachedDisk boot = boot(i);
        if (boot != null && diskId.equals(GcpIds.fromUrl(boot.getSource()))) {
            return;
        }
        if (!"TERMINATED".equals(i.getStatus())) {
            throw new CloudException(Kind.CONFLICT, id.name() + " is " + i.getStatus() + ": its boot disk changes only while it is stopped");
        }
        Map<String, String> labels = i.getLabelsMap();
        if (boot != null) {
            Map<String, String> saved = Labels.encode(Map.of(LABEL_BOOT_DEVICE, boot.getDeviceName(), LABEL_BOOT_INTERFACE,
                    boot.getInterface().isEmpty() ? "scsi" : boot.getInterface().toLowerCase(Locale.ROOT), LABEL_BOOT_AUTO_DELETE,
                    Boolean.toString(boot.getAutoDelete())));
            if (!saved.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                Map<String, String> all = new LinkedHashMap<>(labels);
                all.putAll(saved);
                // the same call's second write: without it, a swap torn here could not put the disk back as it was
                GcpErrors.run("instances.setLabels " + id.name(), () -> api.instances().setLabelsCallable().call(SetLabelsInstanceRequest.newBuilder()
                        .setProject(project).setZone(id.zone()).setInstance(id.name()).setInstancesSetLabelsRequestResource(
                                InstancesSetLabelsRequest.newBuilder().putAllLabels(all).setLabelFingerprint(i.getLabelFingerprint()))
                        .build()));
            }
            detach(id, boot.getDeviceName());
            return;
        }
        Map<String, String> saved = Labels.decode(labels);
        String device = saved.get(LABEL_BOOT_DEVICE);
        String iface = saved.get(LABEL_BOOT_INTERFACE);
        if (device == null || iface == null) {
            throw new CloudException(Kind.TRANSIENT, id.name() + " has no boot disk and its saved boot attachment is not visible (yet)");
        }
        AttachedDisk a = AttachedDisk.newBuilder().setSource(GcpIds.diskUrl(project, diskId)).setBoot(true).setDeviceName(device)
                .setInterface(iface.toUpperCase(Locale.ROOT)).setMode("READ_WRITE").setAutoDelete(Boolean.parseBoolean(saved.get(LABEL_BOOT_AUTO_DELETE)))
                .build();
        GcpErrors.run("instances.attachDisk " + id.name(), () -> api.instances().attachDiskCallable().call(AttachDiskInstanceRequest.newBuilder()
                .setProject(project).setZone(id.zone()).setInstance(id.name()).setAttachedDiskResource(a).build()));
    }

    @Override
    public void deleteDisk(String diskId) {
        GcpIds.Zonal id = GcpIds.zonal(diskId);
        GcpErrors.run("disks.delete " + id.name(), () -> api.disks().deleteCallable()
                .call(DeleteDiskRequest.newBuilder().setProject(project).setZone(id.zone()).setDisk(id.name()).build()));
    }

    @Override
    public String startFix(String workerId, String device, String expectDiskId, String name) {
        GcpIds.Zonal d = GcpIds.zonal(expectDiskId);
        long bytes = getDisk(d.zone(), d.name()).getSizeGb() << 30;
        return jobs.start(workerId, device, bytes, name);
    }

    @Override
    public Optional<CommandInfo> findCommand(String workerId, String name) {
        return jobs.find(workerId, name);
    }

    @Override
    public CommandInfo describeCommand(String workerId, String commandId) {
        return jobs.describe(workerId, commandId);
    }

    @Override
    public void cancelCommand(String workerId, String commandId) {
        jobs.cancel(workerId, commandId);
    }

    @Override
    public boolean deviceHeld(String workerId, String device) {
        return jobs.held(workerId, device);
    }
}
