package io.bootmedic.cloud.aws;

import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;
import io.bootmedic.cloud.provider.Model.Encryption;
import io.bootmedic.cloud.provider.Model.Group;
import io.bootmedic.cloud.provider.Model.Os;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.SnapshotState;
import io.bootmedic.cloud.provider.Model.VmInfo;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachment;

import java.util.Locale;

/** EC2's descriptions in the engine's vocabulary: pure functions of what the API returned. */
final class AwsFacts {
    private AwsFacts() {
    }

    static VmInfo vmInfo(Instance i, Volume root, boolean autoScaling, boolean instanceStore) {
        String state = i.state().nameAsString();
        Power power = switch (state) {
            case "running" -> Power.RUNNING;
            case "stopped" -> Power.STOPPED;
            case "pending" -> Power.STARTING;
            default -> Power.STOPPING; // stopping, shutting-down (terminated instances are not discovered)
        };
        String platform = i.platformAsString() == null ? "" : i.platformAsString().toLowerCase(Locale.ROOT);
        String details = i.platformDetails() == null ? "" : i.platformDetails();
        Os os = platform.equals("windows") || details.startsWith("Windows") ? Os.WINDOWS
                : details.contains("Linux") || details.contains("Red Hat") || details.contains("SUSE") || details.contains("Ubuntu") ? Os.LINUX : Os.UNKNOWN;
        Encryption enc = root == null || !Boolean.TRUE.equals(root.encrypted()) ? Encryption.NONE
                : root.kmsKeyId() != null ? Encryption.CUSTOMER_KEY : Encryption.PLATFORM_KEY;
        String rootId = AwsProvider.rootVolume(i);
        return new VmInfo(i.instanceId(), i.instanceId(), power, os, autoScaling ? Group.AUTO_SCALING_GROUP : Group.NONE, enc, instanceStore, rootId,
                AwsProvider.tagMap(i.tags()), i.placement() == null ? null : i.placement().availabilityZone(), unsupported(i));
    }

    /** What EC2 itself rules out for this instance, in words the operator can act on. */
    static String unsupported(Instance i) {
        if ("instance-store".equals(i.rootDeviceTypeAsString())) {
            return "its root device is instance store: it cannot be stopped, and there is no EBS volume to copy";
        }
        if (i.productCodes().stream().anyMatch(p -> "marketplace".equals(p.productCodeTypeAsString()))) {
            return "its root volume carries an AWS Marketplace product code: EC2 attaches a copy of it only to a stopped instance, never to"
                    + " a running worker; repair it by hand (docs/routes/aws.md, \"Marketplace\")";
        }
        if ("spot".equals(i.instanceLifecycleAsString())) {
            return "a Spot instance: a stop may hand its capacity back, and a one-time request cannot be stopped at all; repair it by hand";
        }
        return null;
    }

    static DiskInfo diskInfo(Volume v) {
        VolumeAttachment a = v.attachments().stream().filter(x -> !"detached".equals(x.stateAsString())).findFirst().orElse(null);
        DiskState state = switch (v.stateAsString()) {
            case "creating" -> DiskState.CREATING;
            case "available" -> DiskState.AVAILABLE;
            case "in-use" -> a == null ? DiskState.DETACHING : switch (a.stateAsString()) {
                case "attaching" -> DiskState.ATTACHING;
                case "detaching" -> DiskState.DETACHING;
                default -> DiskState.IN_USE; // attached, busy
            };
            default -> DiskState.ERROR; // error, deleting, deleted
        };
        return new DiskInfo(v.volumeId(), AwsProvider.nameOf(v.tags()), state, a == null ? null : a.instanceId(), a == null ? null : a.device(),
                v.snapshotId() == null || v.snapshotId().isEmpty() ? null : v.snapshotId(), AwsProvider.tagMap(v.tags()));
    }

    static SnapshotInfo snapshotInfo(Snapshot s) {
        SnapshotState state = switch (s.stateAsString()) {
            case "completed" -> SnapshotState.COMPLETED;
            case "error" -> SnapshotState.ERROR;
            default -> SnapshotState.PENDING; // pending, recoverable, recovering
        };
        return new SnapshotInfo(s.snapshotId(), AwsProvider.nameOf(s.tags()), state, s.volumeId(), AwsProvider.tagMap(s.tags()));
    }

    /** Volume types whose IOPS are set, not derived from the size. */
    static boolean takesIops(String type) {
        return "io1".equals(type) || "io2".equals(type) || "gp3".equals(type);
    }
}
