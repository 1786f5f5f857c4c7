package io.bootmedic.cloud.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * EC2's query API (Version 2016-11-15) over {@link Ec2Cloud}: request parameters as botocore's ec2
 * serializer writes them, answers in the XML of the ec2 protocol with the member names
 * (locationName) of awscli/botocore/data/ec2/2016-11-15/service-2.json.
 */
final class Ec2Api {
    static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private static final String TIME = "2026-12-01T22:00:00.000Z";

    private final Ec2Cloud cloud;
    private final SsmWorker ssm;
    private final AutoScaling asg;

    Ec2Api(Ec2Cloud cloud, SsmWorker ssm, AutoScaling asg) {
        this.cloud = cloud;
        this.ssm = ssm;
        this.asg = asg;
    }

    /** The parameters each action takes (prefixes of the flattened names); EC2 answers UnknownParameter to anything else. */
    private static final Map<String, List<String>> PARAMS = Map.ofEntries(
            Map.entry("DescribeInstances", List.of("InstanceId.", "Filter.", "MaxResults", "NextToken", "DryRun")),
            Map.entry("DescribeInstanceStatus", List.of("InstanceId.", "IncludeAllInstances", "Filter.", "MaxResults", "NextToken")),
            Map.entry("DescribeInstanceTypes", List.of("InstanceType.", "Filter.", "MaxResults", "NextToken")),
            Map.entry("DescribeVolumes", List.of("VolumeId.", "Filter.", "MaxResults", "NextToken")),
            Map.entry("DescribeSnapshots", List.of("SnapshotId.", "Owner.", "Filter.", "MaxResults", "NextToken")),
            Map.entry("StopInstances", List.of("InstanceId.", "Force", "Hibernate")),
            Map.entry("StartInstances", List.of("InstanceId.")),
            Map.entry("CreateSnapshot", List.of("VolumeId", "Description", "TagSpecification.")),
            Map.entry("CreateVolume", List.of("SnapshotId", "AvailabilityZone", "VolumeType", "Size", "Iops", "Throughput", "Encrypted", "KmsKeyId",
                    "ClientToken", "TagSpecification.")),
            Map.entry("AttachVolume", List.of("VolumeId", "InstanceId", "Device")),
            Map.entry("DetachVolume", List.of("VolumeId", "InstanceId", "Device", "Force")),
            Map.entry("DeleteVolume", List.of("VolumeId")),
            Map.entry("ModifyInstanceAttribute", List.of("InstanceId", "BlockDeviceMapping.")),
            Map.entry("CreateTags", List.of("ResourceId.", "Tag.")),
            Map.entry("DeleteTags", List.of("ResourceId.", "Tag.")));

    String handle(String action, Query q) {
        List<String> known = PARAMS.get(action);
        if (known != null) {
            for (String k : q.params.keySet()) {
                if (!k.equals("Action") && !k.equals("Version") && known.stream().noneMatch(p -> p.endsWith(".") ? k.startsWith(p) : k.equals(p))) {
                    throw new Ec2Cloud.Refused("UnknownParameter", "The parameter " + k + " is not recognized");
                }
            }
        }
        if ("CreateVolume".equals(action) && q.get("ClientToken") != null && q.get("ClientToken").length() > 64) {
            throw new Ec2Cloud.Refused("InvalidParameterValue", "ClientToken is longer than 64 characters");
        }
        synchronized (cloud) {
            return switch (action) {
                case "DescribeInstanceStatus" -> describeInstanceStatus(q);
                case "DescribeInstanceTypes" -> describeInstanceTypes(q);
                case "DeleteVolume" -> deleteVolume(q);
                case "DescribeInstances" -> describeInstances(q);
                case "DescribeVolumes" -> describeVolumes(q);
                case "DescribeSnapshots" -> describeSnapshots(q);
                case "StopInstances" -> stateChange("StopInstancesResponse", q, i -> cloud.stop(i, q.flag("Force"), asg.inService(i.id)));
                case "StartInstances" -> stateChange("StartInstancesResponse", q, cloud::start);
                case "CreateSnapshot" -> createSnapshot(q);
                case "CreateVolume" -> createVolume(q);
                case "AttachVolume" -> attachment("AttachVolumeResponse",
                        cloud.attach(cloud.volume(q.get("VolumeId")), cloud.instance(q.get("InstanceId")), q.get("Device")), q.get("VolumeId"));
                case "DetachVolume" -> detach(q);
                case "ModifyInstanceAttribute" -> modifyInstanceAttribute(q);
                case "CreateTags" -> tags(q, true);
                case "DeleteTags" -> tags(q, false);
                default -> throw new Ec2Cloud.Refused("InvalidAction", "The action " + action + " is not valid for this web service.");
            };
        }
    }

    private static int code(String state) {
        return switch (state) {
            case "pending" -> 0;
            case "running" -> 16;
            case "shutting-down" -> 32;
            case "terminated" -> 48;
            case "stopping" -> 64;
            default -> 80;
        };
    }

    private static Predicate<Map<String, String>> tagFilter(Map<String, List<String>> filters) {
        return tags -> filters.entrySet().stream().filter(f -> f.getKey().startsWith("tag:"))
                .allMatch(f -> f.getValue().contains(tags.get(f.getKey().substring(4))));
    }

    /** Only the filters this emulator applies: one it would ignore must fail the test, not match everything. */
    private static void known(Map<String, List<String>> filters, String action) {
        for (String f : filters.keySet()) {
            if (!f.startsWith("tag:") && !(action.equals("DescribeInstances") && (f.equals("platform") || f.equals("instance-state-name")))) {
                throw new Ec2Cloud.Refused("InvalidParameterValue", "The filter '" + f + "' is invalid (not in this emulator)");
            }
        }
    }

    private String describeInstances(Query q) {
        List<String> ids = q.list("InstanceId");
        Map<String, List<String>> filters = q.filters();
        known(filters, "DescribeInstances");
        List<Ec2Cloud.Instance> found = new ArrayList<>();
        if (!ids.isEmpty()) {
            ids.forEach(id -> found.add(cloud.instance(id)));
            found.removeIf(i -> !tagFilter(filters).test(i.tags) || filters.containsKey("instance-state-name") && !filters.get("instance-state-name").contains(i.state));
        } else {
            cloud.instances.values().stream().filter(i -> tagFilter(filters).test(i.tags))
                    .filter(i -> !filters.containsKey("instance-state-name") || filters.get("instance-state-name").contains(i.state))
                    .filter(i -> !filters.containsKey("platform") || filters.get("platform").contains(i.platform))
                    .forEach(found::add);
        }
        Xml x = new Xml().open("DescribeInstancesResponse", NS).el("requestId", "req-di").open("reservationSet");
        for (Ec2Cloud.Instance i : found) {
            cloud.observe(i);
            x.open("item").el("reservationId", "r-" + i.id.substring(2)).el("ownerId", "111122223333").open("instancesSet").open("item")
                    .el("instanceId", i.id).el("imageId", "ami-0windows").open("instanceState").el("code", code(i.state)).el("name", i.state).close("instanceState")
                    .el("instanceType", i.type).el("launchTime", TIME)
                    .open("placement").el("availabilityZone", i.az).el("tenancy", "default").close("placement")
                    .el("platform", i.platform).el("platformDetails", i.platformDetails()).el("instanceLifecycle", i.lifecycle)
                    .el("rootDeviceType", i.rootDeviceType).el("rootDeviceName", i.rootDevice);
            x.open("productCodes");
            for (String code : i.marketplaceCodes) {
                x.open("item").el("productCode", code).el("type", "marketplace").close("item");
            }
            x.close("productCodes")
                    .open("blockDeviceMapping");
            // an attachment moves on with time, whichever API shows it: here, as in DescribeVolumes
            cloud.attachedTo(i.id).forEach(cloud::observe);
            for (Ec2Cloud.Volume v : cloud.attachedTo(i.id)) {
                x.open("item").el("deviceName", v.attachment.device).open("ebs").el("volumeId", v.id).el("status", v.attachment.state)
                        .el("attachTime", TIME).el("deleteOnTermination", v.attachment.deleteOnTermination).close("ebs").close("item");
            }
            x.close("blockDeviceMapping").tagSet(i.tags).close("item").close("instancesSet").close("item");
        }
        return x.close("reservationSet").close("DescribeInstancesResponse").toString();
    }

    private String describeInstanceStatus(Query q) {
        Xml x = new Xml().open("DescribeInstanceStatusResponse", NS).el("requestId", "req-dis").open("instanceStatusSet");
        for (String id : q.list("InstanceId")) {
            Ec2Cloud.Instance i = cloud.instance(id);
            String reach = i.state.equals("running") ? i.reachability : "not-applicable";
            x.open("item").el("instanceId", id).el("availabilityZone", i.az).open("instanceState").el("code", code(i.state)).el("name", i.state)
                    .close("instanceState").open("systemStatus").el("status", i.state.equals("running") ? "ok" : "not-applicable").close("systemStatus")
                    .open("instanceStatus").el("status", reach).close("instanceStatus").close("item");
        }
        return x.close("instanceStatusSet").close("DescribeInstanceStatusResponse").toString();
    }

    private String describeInstanceTypes(Query q) {
        Xml x = new Xml().open("DescribeInstanceTypesResponse", NS).el("requestId", "req-dit").open("instanceTypeSet");
        for (String type : q.list("InstanceType")) {
            x.open("item").el("instanceType", type).el("instanceStorageSupported", type.contains("d.")).close("item");
        }
        return x.close("instanceTypeSet").close("DescribeInstanceTypesResponse").toString();
    }

    private String deleteVolume(Query q) {
        cloud.deleteVolume(cloud.volume(q.get("VolumeId")));
        return new Xml().open("DeleteVolumeResponse", NS).el("requestId", "req-dlv").el("return", true).close("DeleteVolumeResponse").toString();
    }

    private static void volume(Xml x, Ec2Cloud.Volume v) {
        x.el("volumeId", v.id).el("size", v.size).el("snapshotId", v.snapshotId == null ? "" : v.snapshotId).el("availabilityZone", v.az)
                .el("status", v.state).el("createTime", TIME).open("attachmentSet");
        if (v.attachment != null) {
            x.open("item").el("volumeId", v.id).el("instanceId", v.attachment.instance).el("device", v.attachment.device)
                    .el("status", v.attachment.state).el("attachTime", TIME).el("deleteOnTermination", v.attachment.deleteOnTermination).close("item");
        }
        x.close("attachmentSet").tagSet(v.tags).el("volumeType", v.type).el("iops", v.iops).el("throughput", v.throughput)
                .el("encrypted", v.encrypted).el("kmsKeyId", v.kmsKeyId).el("multiAttachEnabled", false);
    }

    private String describeVolumes(Query q) {
        List<String> ids = q.list("VolumeId");
        Xml x = new Xml().open("DescribeVolumesResponse", NS).el("requestId", "req-dv").open("volumeSet");
        Map<String, List<String>> filters = q.filters();
        known(filters, "DescribeVolumes");
        List<Ec2Cloud.Volume> found = ids.isEmpty() ? cloud.volumes.values().stream().filter(v -> tagFilter(filters).test(v.tags)).toList()
                : ids.stream().map(cloud::volume).toList();
        for (Ec2Cloud.Volume v : found) {
            cloud.observe(v);
            x.open("item");
            volume(x, v);
            x.close("item");
        }
        return x.close("volumeSet").close("DescribeVolumesResponse").toString();
    }

    private static void snapshot(Xml x, Ec2Cloud.Snapshot s) {
        x.el("snapshotId", s.id).el("volumeId", s.from.id).el("status", s.state).el("startTime", TIME)
                .el("progress", s.state.equals("pending") ? "40%" : "100%").el("ownerId", "111122223333").el("volumeSize", s.from.size)
                .el("description", "bootmedic").el("encrypted", s.from.encrypted).el("kmsKeyId", s.from.kmsKeyId)
                .el("statusMessage", s.state.equals("error") ? "Internal error" : null).el("storageTier", "standard").tagSet(s.tags);
    }

    private String describeSnapshots(Query q) {
        List<String> ids = q.list("SnapshotId");
        Map<String, List<String>> filters = q.filters();
        known(filters, "DescribeSnapshots");
        if (ids.isEmpty() && !"self".equals(q.get("Owner.1"))) {
            throw new Ec2Cloud.Refused("InvalidParameterCombination", "this emulator lists only Owner=self snapshots (public ones would be counted)");
        }
        List<Ec2Cloud.Snapshot> found = ids.isEmpty()
                ? cloud.snapshots.values().stream().filter(s -> tagFilter(filters).test(s.tags)).toList()
                : ids.stream().map(cloud::snapshot).toList();
        Xml x = new Xml().open("DescribeSnapshotsResponse", NS).el("requestId", "req-ds").open("snapshotSet");
        for (Ec2Cloud.Snapshot s : found) {
            cloud.observe(s);
            x.open("item");
            snapshot(x, s);
            x.close("item");
        }
        return x.close("snapshotSet").close("DescribeSnapshotsResponse").toString();
    }

    private String stateChange(String response, Query q, java.util.function.Function<Ec2Cloud.Instance, String> change) {
        Xml x = new Xml().open(response, NS).el("requestId", "req-sc").open("instancesSet");
        for (String id : q.list("InstanceId")) {
            Ec2Cloud.Instance i = cloud.instance(id);
            String before = change.apply(i);
            x.open("item").el("instanceId", id).open("currentState").el("code", code(i.state)).el("name", i.state).close("currentState")
                    .open("previousState").el("code", code(before)).el("name", before).close("previousState").close("item");
        }
        return x.close("instancesSet").close(response).toString();
    }

    private String createSnapshot(Query q) {
        Ec2Cloud.Snapshot s = cloud.createSnapshot(cloud.volume(q.get("VolumeId")), q.tagSpec("snapshot"));
        Xml x = new Xml().open("CreateSnapshotResponse", NS).el("requestId", "req-cs");
        snapshot(x, s);
        return x.close("CreateSnapshotResponse").toString();
    }

    private static Integer integer(String s) {
        return s == null ? null : Integer.valueOf(s);
    }

    private String createVolume(Query q) {
        Ec2Cloud.Volume v = cloud.createVolume(q.get("SnapshotId"), q.get("AvailabilityZone"), q.get("VolumeType"), integer(q.get("Size")),
                integer(q.get("Iops")), integer(q.get("Throughput")), q.get("Encrypted") == null ? null : q.flag("Encrypted"),
                q.get("KmsKeyId"), q.get("ClientToken"), q.tagSpec("volume"));
        Xml x = new Xml().open("CreateVolumeResponse", NS).el("requestId", "req-cv");
        volume(x, v);
        return x.close("CreateVolumeResponse").toString();
    }

    private static String attachment(String response, Ec2Cloud.Attachment a, String volumeId) {
        return new Xml().open(response, NS).el("requestId", "req-av").el("volumeId", volumeId).el("instanceId", a.instance)
                .el("device", a.device).el("status", a.state).el("attachTime", TIME).el("deleteOnTermination", a.deleteOnTermination)
                .close(response).toString();
    }

    private String detach(Query q) {
        Ec2Cloud.Volume v = cloud.volume(q.get("VolumeId"));
        boolean writing = v.attachment != null && ssm.writing(v.id);
        return attachment("DetachVolumeResponse", cloud.detach(v, q.get("InstanceId"), writing), v.id);
    }

    private String modifyInstanceAttribute(Query q) {
        Ec2Cloud.Instance i = cloud.instance(q.get("InstanceId"));
        for (int n = 1; q.get("BlockDeviceMapping." + n + ".DeviceName") != null; n++) {
            cloud.setDeleteOnTermination(i, q.get("BlockDeviceMapping." + n + ".DeviceName"), q.flag("BlockDeviceMapping." + n + ".Ebs.DeleteOnTermination"));
        }
        return new Xml().open("ModifyInstanceAttributeResponse", NS).el("requestId", "req-mia").el("return", true)
                .close("ModifyInstanceAttributeResponse").toString();
    }

    private String tags(Query q, boolean create) {
        String response = create ? "CreateTagsResponse" : "DeleteTagsResponse";
        for (String r : q.list("ResourceId")) {
            Map<String, String> tags = cloud.tagsOf(r);
            if (create) {
                Map<String, String> add = q.tags("Tag");
                tags.putAll(add);
                cloud.log.add("CreateTags " + r + " " + add);
            } else {
                q.tags("Tag").keySet().forEach(tags::remove);
                cloud.log.add("DeleteTags " + r + " " + q.tags("Tag").keySet());
            }
        }
        return new Xml().open(response, NS).el("requestId", "req-t").el("return", true).close(response).toString();
    }
}
