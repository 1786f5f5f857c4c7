package io.bootmedic.cloud.aws;

import io.bootmedic.cloud.engine.Naming;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.VmInfo;
import io.bootmedic.cloud.provider.Model.VmRef;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.InstanceStatus;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * EC2, SSM and Auto Scaling as the engine's {@link CloudProvider}. Snapshots and volumes have no names in EC2: the
 * engine's name is the {@code Name} tag, set at creation with the run's tags in one call (TagSpecifications), so
 * nothing this run made is ever untagged; a lookup by name reads the tag back.
 */
final class AwsProvider implements CloudProvider {
    static final String NAME_TAG = "Name";
    static final String TAG_ROOT_DELETE = "bootmedic-root-delete-on-termination";

    private final Ec2Client ec2;
    private final AutoScalingClient asg;
    private final AwsWorker worker;
    private final List<String> instanceIds;
    private final String tag;
    private final boolean scanStatusChecks;
    private final Map<String, Boolean> instanceStore = new ConcurrentHashMap<>();

    AwsProvider(Ec2Client ec2, SsmClient ssm, AutoScalingClient asg, AwsWorker.Settings settings, List<String> instanceIds, String tag,
            boolean scanStatusChecks) {
        this.ec2 = ec2;
        this.asg = asg;
        this.worker = new AwsWorker(ec2, ssm, settings);
        this.instanceIds = List.copyOf(instanceIds);
        this.tag = tag;
        this.scanStatusChecks = scanStatusChecks;
    }

    @Override
    public int maxNameLength() {
        return 128; // the Name tag's value: 256; the engine's names stay far below, and the CreateVolume ClientToken takes 64
    }

    @Override
    public List<VmRef> discover() {
        List<Filter> filters = new ArrayList<>();
        filters.add(Filter.builder().name("instance-state-name").values("pending", "running", "stopping", "stopped").build());
        if (tag != null) {
            int eq = tag.indexOf('=');
            filters.add(Filter.builder().name("tag:" + tag.substring(0, eq)).values(tag.substring(eq + 1)).build());
        }
        List<VmRef> out = new ArrayList<>();
        AwsErrors.run("DescribeInstances", () -> ec2.describeInstancesPaginator(b -> {
            b.filters(filters);
            if (!instanceIds.isEmpty()) {
                b.instanceIds(instanceIds);
            }
        }).reservations().forEach(r -> r.instances().forEach(i -> out.add(new VmRef(i.instanceId(), i.instanceId(), displayName(i))))));
        return out;
    }

    private Instance instance(String id) {
        List<Instance> found = new ArrayList<>();
        AwsErrors.run("DescribeInstances " + id, () -> ec2.describeInstances(b -> b.instanceIds(id)).reservations().forEach(r -> found.addAll(r.instances())));
        if (found.size() != 1) {
            throw new CloudException(Kind.NOT_FOUND, "instance " + id + " not found");
        }
        return found.get(0);
    }

    /** The root volume, or null while the root device is empty or its volume still attaching (the second half of a swap under way). */
    static String rootVolume(Instance i) {
        for (InstanceBlockDeviceMapping m : i.blockDeviceMappings()) {
            if (m.deviceName().equals(i.rootDeviceName()) && m.ebs() != null) {
                return "attaching".equals(m.ebs().statusAsString()) ? null : m.ebs().volumeId();
            }
        }
        return null;
    }

    @Override
    public VmInfo describeVm(String vmId) {
        Instance i = instance(vmId);
        String root = rootVolume(i);
        Volume rootVol = root == null ? null : volume(root);
        return AwsFacts.vmInfo(i, rootVol, inAutoScalingGroup(i), hasInstanceStore(i.instanceTypeAsString()));
    }

    private boolean inAutoScalingGroup(Instance i) {
        if (i.tags().stream().anyMatch(t -> t.key().equals("aws:autoscaling:groupName"))) {
            return true;
        }
        return AwsErrors.call("DescribeAutoScalingInstances", () -> !asg.describeAutoScalingInstances(b -> b.instanceIds(i.instanceId()))
                .autoScalingInstances().isEmpty());
    }

    private boolean hasInstanceStore(String type) {
        Boolean known = instanceStore.get(type);
        if (known == null) {
            known = AwsErrors.call("DescribeInstanceTypes", () -> ec2.describeInstanceTypes(b -> b.instanceTypesWithStrings(type)).instanceTypes()
                    .stream().anyMatch(t -> Boolean.TRUE.equals(t.instanceStorageSupported())));
            instanceStore.put(type, known);
        }
        return known;
    }

    @Override
    public Scan scan(String vmId) {
        if (!scanStatusChecks) {
            return Scan.UNKNOWN;
        }
        List<InstanceStatus> s = AwsErrors.call("DescribeInstanceStatus",
                () -> ec2.describeInstanceStatus(b -> b.instanceIds(vmId).includeAllInstances(true)).instanceStatuses());
        if (s.size() != 1 || s.get(0).instanceStatus() == null) {
            return Scan.UNKNOWN;
        }
        // a Windows instance that passes EC2's reachability check has booted: it does not boot-loop
        String reach = s.get(0).instanceStatus().statusAsString();
        return "ok".equals(reach) ? Scan.CLEAN : "impaired".equals(reach) ? Scan.NEEDS_FIX : Scan.UNKNOWN;
    }

    @Override
    public void stopVm(String vmId) {
        AwsErrors.run("StopInstances " + vmId, () -> ec2.stopInstances(b -> b.instanceIds(vmId)));
    }

    @Override
    public void startVm(String vmId) {
        keepDeleteOnTermination(instance(vmId));
        AwsErrors.run("StartInstances " + vmId, () -> ec2.startInstances(b -> b.instanceIds(vmId)));
    }

    /**
     * An attach sets DeleteOnTermination false; the root had its own value, which the swap's first half recorded on the
     * instance. Before a start the root gets it back, whichever volume it is now (the copy, or the original after a rollback).
     */
    private void keepDeleteOnTermination(Instance i) {
        String want = tagMap(i.tags()).get(TAG_ROOT_DELETE);
        InstanceBlockDeviceMapping root = i.blockDeviceMappings().stream().filter(m -> m.deviceName().equals(i.rootDeviceName()) && m.ebs() != null)
                .findFirst().orElse(null);
        if (want == null || root == null || !"attached".equals(root.ebs().statusAsString())
                || Boolean.parseBoolean(want) == Boolean.TRUE.equals(root.ebs().deleteOnTermination())) {
            return;
        }
        AwsErrors.run("ModifyInstanceAttribute " + i.instanceId(), () -> ec2.modifyInstanceAttribute(b -> b.instanceId(i.instanceId())
                .blockDeviceMappings(m -> m.deviceName(i.rootDeviceName()).ebs(e -> e.deleteOnTermination(Boolean.parseBoolean(want))))));
    }

    Volume volume(String id) {
        List<Volume> v = AwsErrors.call("DescribeVolumes " + id, () -> ec2.describeVolumes(b -> b.volumeIds(id)).volumes());
        if (v.size() != 1) {
            throw new CloudException(Kind.NOT_FOUND, "volume " + id + " not found");
        }
        return v.get(0);
    }

    @Override
    public DiskInfo describeDisk(String diskId) {
        return AwsFacts.diskInfo(volume(diskId));
    }

    @Override
    public Optional<DiskInfo> findDisk(String name) {
        List<Volume> v = AwsErrors.call("DescribeVolumes Name=" + name,
                () -> ec2.describeVolumesPaginator(b -> b.filters(Filter.builder().name("tag:" + NAME_TAG).values(name).build())).volumes().stream().toList());
        if (v.size() > 1) {
            throw new CloudException(Kind.FATAL, v.size() + " volumes are tagged Name=" + name + ": not made by this engine; look at them by hand");
        }
        return v.stream().findFirst().map(AwsFacts::diskInfo);
    }

    private Snapshot snapshot(String id) {
        List<Snapshot> s = AwsErrors.call("DescribeSnapshots " + id, () -> ec2.describeSnapshots(b -> b.snapshotIds(id)).snapshots());
        if (s.size() != 1) {
            throw new CloudException(Kind.NOT_FOUND, "snapshot " + id + " not found");
        }
        return s.get(0);
    }

    @Override
    public SnapshotInfo describeSnapshot(String snapshotId) {
        return AwsFacts.snapshotInfo(snapshot(snapshotId));
    }

    @Override
    public Optional<SnapshotInfo> findSnapshot(String name) {
        List<Snapshot> s = AwsErrors.call("DescribeSnapshots Name=" + name, () -> ec2.describeSnapshotsPaginator(
                b -> b.ownerIds("self").filters(Filter.builder().name("tag:" + NAME_TAG).values(name).build())).snapshots().stream().toList());
        if (s.size() > 1) {
            throw new CloudException(Kind.FATAL, s.size() + " snapshots are tagged Name=" + name + ": not made by this engine; look at them by hand");
        }
        return s.stream().findFirst().map(AwsFacts::snapshotInfo);
    }

    static List<Tag> tags(String name, Map<String, String> tags) {
        Map<String, String> all = new LinkedHashMap<>(tags);
        all.put(NAME_TAG, name);
        return all.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    @Override
    public String createSnapshot(String diskId, String name, Map<String, String> tags) {
        return AwsErrors.call("CreateSnapshot " + diskId, () -> ec2.createSnapshot(b -> b.volumeId(diskId).description("bootmedic " + name)
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(tags(name, tags)).build())).snapshotId());
    }

    @Override
    public String createDisk(String snapshotId, String name, Map<String, String> tags) {
        Snapshot s = snapshot(snapshotId);
        Volume original = volume(s.volumeId());
        // the copy keeps what the original had (type, IOPS, throughput; its encryption and key come with the snapshot),
        // in the original's zone, where the instance and the worker are; the client token makes a repeated call one volume
        return AwsErrors.call("CreateVolume from " + snapshotId, () -> ec2.createVolume(b -> {
            b.snapshotId(snapshotId).availabilityZone(original.availabilityZone()).volumeType(original.volumeTypeAsString()).clientToken(name)
                    .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tags(name, tags)).build());
            if (AwsFacts.takesIops(original.volumeTypeAsString()) && original.iops() != null) {
                b.iops(original.iops());
            }
            if ("gp3".equals(original.volumeTypeAsString()) && original.throughput() != null) {
                b.throughput(original.throughput());
            }
        }).volumeId());
    }

    @Override
    public void attachDisk(String diskId, String workerId, String device) {
        AwsErrors.run("AttachVolume " + diskId, () -> ec2.attachVolume(b -> b.volumeId(diskId).instanceId(workerId).device(device)));
    }

    @Override
    public void detachDisk(String diskId, String workerId) {
        AwsErrors.run("DetachVolume " + diskId, () -> ec2.detachVolume(b -> b.volumeId(diskId).instanceId(workerId)));
    }

    @Override
    public void setBootDisk(String vmId, String diskId) {
        // EC2 has no one call: the root device is emptied (detach), then the other volume attached at the same name.
        // Each call takes the next half; a half under way is a conflict the engine waits out.
        Instance i = instance(vmId);
        if (!"stopped".equals(i.state().nameAsString())) {
            throw new CloudException(Kind.CONFLICT, vmId + " is " + i.state().nameAsString() + ", not stopped: no root volume change");
        }
        InstanceBlockDeviceMapping rootMapping = i.blockDeviceMappings().stream().filter(m -> m.deviceName().equals(i.rootDeviceName()) && m.ebs() != null)
                .findFirst().orElse(null);
        if (rootMapping == null) {
            Volume v = volume(diskId);
            if (!"available".equals(v.stateAsString())) {
                throw new CloudException(Kind.CONFLICT, diskId + " is " + v.stateAsString() + ": attached once it is available");
            }
            AwsErrors.run("AttachVolume " + diskId + " as root", () -> ec2.attachVolume(b -> b.volumeId(diskId).instanceId(vmId).device(i.rootDeviceName())));
            return;
        }
        String at = rootMapping.ebs().volumeId();
        if (at.equals(diskId)) {
            return;
        }
        if (!"attached".equals(rootMapping.ebs().statusAsString())) {
            throw new CloudException(Kind.CONFLICT, at + " is " + rootMapping.ebs().statusAsString() + " at " + i.rootDeviceName());
        }
        if (!tagMap(i.tags()).containsKey(TAG_ROOT_DELETE)) {
            // the first swap of this instance: keep the root's DeleteOnTermination for whichever volume is root at the start
            String was = Boolean.toString(Boolean.TRUE.equals(rootMapping.ebs().deleteOnTermination()));
            AwsErrors.run("CreateTags " + vmId, () -> ec2.createTags(b -> b.resources(vmId).tags(Tag.builder().key(TAG_ROOT_DELETE).value(was).build())));
        }
        AwsErrors.run("DetachVolume " + at + " (root of " + vmId + ")", () -> ec2.detachVolume(b -> b.volumeId(at).instanceId(vmId)));
    }

    @Override
    public void deleteDisk(String diskId) {
        AwsErrors.run("DeleteVolume " + diskId, () -> ec2.deleteVolume(b -> b.volumeId(diskId)));
    }

    @Override
    public String startFix(String workerId, String device, String expectDiskId, String name) {
        return worker.startFix(workerId, device, volume(expectDiskId), name);
    }

    @Override
    public Optional<CommandInfo> findCommand(String workerId, String name) {
        return worker.find(workerId, name);
    }

    @Override
    public CommandInfo describeCommand(String workerId, String commandId) {
        return worker.describe(workerId, commandId);
    }

    @Override
    public void cancelCommand(String workerId, String commandId) {
        worker.cancel(workerId, commandId);
    }

    @Override
    public boolean deviceHeld(String workerId, String device) {
        Instance w = instance(workerId);
        String vol = w.blockDeviceMappings().stream().filter(m -> m.deviceName().equals(device) && m.ebs() != null).map(m -> m.ebs().volumeId())
                .findFirst().orElse(null);
        return vol != null && worker.held(workerId, vol);
    }

    /** The Name tag, or the ID for an instance without one (the journal keeps a name for every VM). */
    static String displayName(Instance i) {
        String n = nameOf(i.tags());
        return n.isBlank() ? i.instanceId() : n;
    }

    static String nameOf(List<Tag> tags) {
        return tags.stream().filter(t -> t.key().equals(NAME_TAG)).map(Tag::value).findFirst().orElse("");
    }

    static Map<String, String> tagMap(List<Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    static boolean ours(Map<String, String> tags) {
        return tags.containsKey(Naming.TAG_RUN);
    }
}
