package io.bootmedic.cloud.aws;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EC2 state the route depends on, with the transitions EC2 documents: an instance goes
 * running -> stopping -> stopped (pending -> running on start); a volume is creating -> available,
 * and on attach 'in-use' at once while its attachment is still 'attaching' (then 'attached'),
 * 'detaching' on detach, then available; a snapshot is pending -> completed, or error.
 * Transitions are counted in describe calls of the resource (deterministic, no wall-clock):
 * a resource with N pending polls shows its transitional state N-1 times.
 * The "content" of volumes and snapshots is a label ("broken", "fixed") that the worker model
 * rewrites; {@link #violations} collects what real EC2 or a real worker would make go wrong.
 */
final class Ec2Cloud {
    static final String ZONE = "eu-west-1a";

    final List<String> violations = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    final Map<String, Instance> instances = new LinkedHashMap<>();
    final Map<String, Volume> volumes = new LinkedHashMap<>();
    final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    final Map<String, String> clientTokens = new LinkedHashMap<>();
    int stopPolls = 2;
    int startPolls = 1;
    int attachPolls = 2;
    int detachPolls = 2;
    int createPolls = 1;
    int snapshotPolls = 2;
    private int serial = 0x1000;

    static final class Instance {
        final String id;
        String az = ZONE;
        String platform;
        String rootDevice = "/dev/sda1";
        String rootDeviceType = "ebs";
        String type = "m5.large";
        String lifecycle;
        String reachability = "impaired"; // boot-looping: EC2's reachability check fails
        final List<String> marketplaceCodes = new ArrayList<>();

        String platformDetails() {
            return "windows".equals(platform) ? "Windows" : "Linux/UNIX";
        }
        String state = "running";
        int pending;
        boolean stuckStopping;
        boolean forced;
        final Map<String, String> tags = new LinkedHashMap<>();

        Instance(String id) {
            this.id = id;
        }
    }

    static final class Attachment {
        final String instance;
        final String device;
        String state = "attaching";
        boolean deleteOnTermination;
        int pending;

        Attachment(String instance, String device) {
            this.instance = instance;
            this.device = device;
        }
    }

    static final class Volume {
        final String id;
        String az = ZONE;
        String type = "gp3";
        int size = 30;
        Integer iops = 3000;
        Integer throughput = 125;
        boolean encrypted;
        String kmsKeyId;
        String snapshotId;
        String state = "available";
        int pending;
        Attachment attachment;
        String content = "broken";
        int writes;
        final Map<String, String> tags = new LinkedHashMap<>();

        Volume(String id) {
            this.id = id;
        }
    }

    static final class Snapshot {
        final String id;
        final Volume from;
        final String content;
        String state = "pending";
        int pending;
        boolean fails;
        final Map<String, String> tags = new LinkedHashMap<>();

        Snapshot(String id, Volume from) {
            this.id = id;
            this.from = from;
            this.content = from.content;
        }
    }

    /** EC2's answer to a request it refuses: the error code and message of its XML error. */
    static final class Refused extends RuntimeException {
        final String code;

        Refused(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    String newId(String prefix) {
        return prefix + "-0" + String.format("%016x", serial++);
    }

    Instance instance(String id) {
        Instance i = instances.get(id);
        if (i == null) {
            throw new Refused("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
        }
        return i;
    }

    Volume volume(String id) {
        Volume v = volumes.get(id);
        if (v == null) {
            throw new Refused("InvalidVolume.NotFound", "The volume '" + id + "' does not exist.");
        }
        return v;
    }

    Snapshot snapshot(String id) {
        Snapshot s = snapshots.get(id);
        if (s == null) {
            throw new Refused("InvalidSnapshot.NotFound", "The snapshot '" + id + "' does not exist.");
        }
        return s;
    }

    // ---- setup ----
    Instance addInstance(String id, String platform) {
        Instance i = new Instance(id);
        i.platform = platform;
        instances.put(id, i);
        return i;
    }

    Volume addVolume(String id) {
        Volume v = new Volume(id);
        volumes.put(id, v);
        return v;
    }

    void attachNow(Volume v, Instance i, String device, boolean deleteOnTermination) {
        v.attachment = new Attachment(i.id, device);
        v.attachment.state = "attached";
        v.attachment.deleteOnTermination = deleteOnTermination;
        v.state = "in-use";
    }

    // ---- queries ----
    List<Volume> attachedTo(String instanceId) {
        return volumes.values().stream().filter(v -> v.attachment != null && v.attachment.instance.equals(instanceId)).toList();
    }

    Volume rootOf(Instance i) {
        return attachedTo(i.id).stream().filter(v -> v.attachment.device.equals(i.rootDevice)).findFirst().orElse(null);
    }

    // ---- transitions on observation ----
    void observe(Instance i) {
        if (i.pending > 0 && --i.pending == 0) {
            if (i.state.equals("stopping")) {
                if (i.stuckStopping && !i.forced) {
                    i.pending = 1; // stays stopping until forced
                } else {
                    i.state = "stopped";
                }
            } else if (i.state.equals("pending")) {
                i.state = "running";
            }
        }
    }

    void observe(Volume v) {
        if (v.pending > 0 && --v.pending == 0 && v.state.equals("creating")) {
            v.state = "available";
        }
        Attachment a = v.attachment;
        if (a != null && a.pending > 0 && --a.pending == 0) {
            if (a.state.equals("attaching")) {
                a.state = "attached";
            } else if (a.state.equals("detaching")) {
                v.attachment = null;
                v.state = "available";
            }
        }
    }

    void observe(Snapshot s) {
        if (s.pending > 0 && --s.pending == 0) {
            s.state = s.fails ? "error" : "completed";
        }
    }

    // ---- actions ----
    String stop(Instance i, boolean force, boolean asgInService) {
        String before = i.state;
        log.add("StopInstances " + i.id + (force ? " --force" : ""));
        if (asgInService) {
            violations.add("stopped " + i.id + " while it was InService in its Auto Scaling group (the group replaces it)");
        }
        if (i.state.equals("running") || i.state.equals("pending") || (i.state.equals("stopping") && force)) {
            i.state = "stopping";
            i.forced |= force;
            i.pending = stopPolls;
        }
        return before;
    }

    String start(Instance i) {
        String before = i.state;
        log.add("StartInstances " + i.id);
        if (!i.state.equals("stopped")) {
            throw new Refused("IncorrectInstanceState", "The instance '" + i.id + "' is not in a state from which it can be started.");
        }
        Volume root = rootOf(i);
        if (root == null) {
            violations.add("start of " + i.id + " without a root volume");
            throw new Refused("InvalidParameterCombination", "The instance '" + i.id + "' has no root device");
        }
        if (!root.attachment.state.equals("attached")) {
            violations.add("start of " + i.id + " while its root " + root.id + " was " + root.attachment.state);
        }
        i.state = "pending";
        i.pending = startPolls;
        return before;
    }

    Volume createVolume(String snapshotId, String az, String type, Integer size, Integer iops, Integer throughput,
                        Boolean encrypted, String kms, String token, Map<String, String> tags) {
        if (token != null && clientTokens.containsKey(token)) {
            return volume(clientTokens.get(token));
        }
        Snapshot s = snapshot(snapshotId);
        if (!s.state.equals("completed")) {
            throw new Refused("IncorrectState", "Snapshot is in invalid state - " + s.state);
        }
        if (iops != null && !List.of("io1", "io2", "gp3").contains(type)) {
            throw new Refused("InvalidParameterCombination", "The parameter iops is not supported for " + type + " volumes.");
        }
        if (throughput != null && !"gp3".equals(type)) {
            throw new Refused("InvalidParameterCombination", "The parameter throughput is not supported for " + type + " volumes.");
        }
        if (kms != null && !Boolean.TRUE.equals(encrypted)) {
            throw new Refused("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
        }
        int snapSize = s.from.size;
        if (size != null && size < snapSize) {
            throw new Refused("InvalidParameterValue", "Volume of " + size + " GiB is smaller than snapshot '" + s.id + "', expect size >= " + snapSize + " GiB");
        }
        Volume v = addVolume(newId("vol"));
        v.az = az;
        v.type = type == null ? "gp2" : type;
        v.size = size == null ? snapSize : size;
        v.iops = iops != null ? iops : v.type.equals("gp3") ? Integer.valueOf(3000) : v.type.equals("gp2") ? Integer.valueOf(Math.max(100, 3 * v.size)) : null;
        v.throughput = throughput != null ? throughput : v.type.equals("gp3") ? Integer.valueOf(125) : null;
        v.encrypted = s.from.encrypted || Boolean.TRUE.equals(encrypted);
        v.kmsKeyId = kms != null ? kms : s.from.encrypted ? s.from.kmsKeyId : v.encrypted ? "arn:aws:kms:eu-west-1:111122223333:key/aws-ebs-default" : null;
        v.snapshotId = s.id;
        v.content = s.content;
        v.state = "creating";
        v.pending = createPolls;
        v.tags.putAll(tags);
        if (token != null) {
            clientTokens.put(token, v.id);
        }
        log.add("CreateVolume " + v.id + " from " + s.id);
        return v;
    }

    Snapshot createSnapshot(Volume v, Map<String, String> tags) {
        Snapshot s = new Snapshot(newId("snap"), v);
        s.pending = snapshotPolls;
        s.fails = v.tags.containsKey("test-snapshot-fails");
        s.tags.putAll(tags);
        snapshots.put(s.id, s);
        log.add("CreateSnapshot " + s.id + " of " + v.id);
        return s;
    }

    Attachment attach(Volume v, Instance i, String device) {
        log.add("AttachVolume " + v.id + " " + i.id + " " + device);
        if (!v.state.equals("available")) {
            throw new Refused("IncorrectState", "vol '" + v.id + "' is not 'available'.");
        }
        if (!v.az.equals(i.az)) {
            throw new Refused("InvalidVolume.ZoneMismatch", "The volume '" + v.id + "' is not in the same availability zone as instance '" + i.id + "'");
        }
        if (attachedTo(i.id).stream().anyMatch(o -> o.attachment.device.equals(device))) {
            throw new Refused("InvalidParameterValue", "Invalid value '" + device + "' for unixDevice. Attachment point " + device + " is already in use");
        }
        if (device.equals(i.rootDevice) && !i.state.equals("stopped")) {
            throw new Refused("IncorrectInstanceState", "The instance '" + i.id + "' is not 'stopped'.");
        }
        v.attachment = new Attachment(i.id, device);
        v.attachment.pending = attachPolls;
        v.state = "in-use";
        return v.attachment;
    }

    Attachment detach(Volume v, String instanceId, boolean writerActive) {
        log.add("DetachVolume " + v.id + " " + instanceId);
        Attachment a = v.attachment;
        if (a == null || (instanceId != null && !a.instance.equals(instanceId))) {
            throw new Refused("IncorrectState", "Volume '" + v.id + "' is in the 'available' state.");
        }
        if (!a.state.equals("attached")) {
            throw new Refused("IncorrectState", "Volume '" + v.id + "' is in the '" + a.state + "' state.");
        }
        Instance i = instance(a.instance);
        if (a.device.equals(i.rootDevice) && !i.state.equals("stopped")) {
            throw new Refused("IncorrectState", "Unable to detach root volume '" + v.id + "' from instance '" + i.id + "'");
        }
        if (writerActive) {
            violations.add("detached " + v.id + " from " + i.id + " while an SSM command was still writing to it");
        }
        a.state = "detaching";
        a.pending = detachPolls;
        return a;
    }

    void setDeleteOnTermination(Instance i, String device, boolean value) {
        log.add("ModifyInstanceAttribute " + i.id + " " + device + " DeleteOnTermination=" + value);
        Volume v = attachedTo(i.id).stream().filter(o -> o.attachment.device.equals(device)).findFirst()
                .orElseThrow(() -> new Refused("InvalidInstanceAttributeValue", "No device " + device + " on " + i.id));
        v.attachment.deleteOnTermination = value;
    }

    void deleteVolume(Volume v) {
        log.add("DeleteVolume " + v.id);
        if (v.attachment != null) {
            throw new Refused("VolumeInUse", "Volume " + v.id + " is currently attached to " + v.attachment.instance);
        }
        if (v.snapshotId == null) {
            violations.add("deleted " + v.id + ", an original volume");
        }
        volumes.remove(v.id);
    }

    Map<String, String> tagsOf(String resource) {
        if (resource.startsWith("i-")) {
            return instance(resource).tags;
        } else if (resource.startsWith("vol-")) {
            return volume(resource).tags;
        } else if (resource.startsWith("snap-")) {
            return snapshot(resource).tags;
        }
        throw new Refused("InvalidID", "The ID '" + resource + "' is not valid");
    }
}
