package io.bootmedic.cloud.provider;

import java.util.Map;

/** The provider's vocabulary: what a read returns. Reads may be stale; the engine knows it. */
public final class Model {
    private Model() {
    }

    public enum Power {
        RUNNING, STOPPING, STOPPED, STARTING
    }

    public enum Os {
        WINDOWS, LINUX, UNKNOWN
    }

    /** Membership that makes a VM someone else's to stop or replace: scale set, managed instance group, Auto Scaling group. */
    public enum Group {
        NONE, SCALE_SET, MANAGED_INSTANCE_GROUP, AUTO_SCALING_GROUP
    }

    /** How the boot disk is encrypted, as far as it decides whether a worker can read a copy. */
    public enum Encryption {
        NONE, PLATFORM_KEY, CUSTOMER_KEY, GUEST_DUAL_PASS, CONFIDENTIAL
    }

    public enum DiskState {
        CREATING, AVAILABLE, ATTACHING, IN_USE, DETACHING, ERROR
    }

    public enum SnapshotState {
        PENDING, COMPLETED, ERROR
    }

    public enum CommandState {
        PENDING, IN_PROGRESS, SUCCESS, FAILED, TIMED_OUT, CANCELLED;

        public boolean terminal() {
            return this != PENDING && this != IN_PROGRESS;
        }
    }

    /** What the pre-check scan said about the VM's disk. */
    public enum Scan {
        NEEDS_FIX, CLEAN, UNKNOWN
    }

    /** One VM in scope, by the cloud's unique ID (never by name: names repeat across templates). */
    public record VmRef(String id, String uid, String name) {
    }

    /**
     * {@code zone} is where a disk of the VM can be attached (AWS availability zone, GCP zone, Azure region and zone, KVM
     * host); null where any worker can reach it. {@code bootDiskId} is null when the VM has no boot disk attached: on a
     * stopped VM of a cloud whose swap is two calls (detach, attach), a swap torn between them. {@code unsupported} is
     * a cloud's own reason never to touch the VM (an AWS Marketplace product code on its root volume), or null.
     */
    public record VmInfo(String id, String uid, Power power, Os os, Group group, Encryption encryption, boolean localSsd, String bootDiskId,
            Map<String, String> tags, String zone, String unsupported) {
        public VmInfo(String id, String uid, Power power, Os os, Group group, Encryption encryption, boolean localSsd, String bootDiskId,
                Map<String, String> tags, String zone) {
            this(id, uid, power, os, group, encryption, localSsd, bootDiskId, tags, zone, null);
        }
    }

    public record DiskInfo(String id, String name, DiskState state, String attachedTo, String device, String sourceSnapshotId,
            Map<String, String> tags) {
    }

    public record SnapshotInfo(String id, String name, SnapshotState state, String sourceDiskId, Map<String, String> tags) {
    }

    /**
     * A fix command on the worker. {@code writerExited} is true only when the provider saw the writing process end
     * (its exit code), not merely the handler give up ({@code TIMED_OUT} where only the shell was killed);
     * {@code changed} is what bootmedic reported it changed on the copy.
     */
    public record CommandInfo(String id, String name, CommandState state, boolean writerExited, boolean changed) {
    }
}
