package io.bootmedic.cloud.sim;

import io.bootmedic.cloud.engine.Naming;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.CommandState;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated cloud. Strict where real clouds are strict (an attached disk cannot be attached, an in-use disk cannot be
 * deleted, a VM without a boot disk cannot start, a name is taken once, a boot disk changes only while the VM is stopped),
 * and unkind as {@link Faults} says. It records every stop, snapshot, swap and write, and {@link #violations} lists each
 * breach of the engine's invariants it saw; {@link #verify} adds the end-state checks.
 */
public final class SimCloud implements CloudProvider {
    private final SimClock clock;
    private final SplittableRandom rng;
    private final Faults faults;
    private final Profile profile;
    private final Map<String, SVm> vms = new LinkedHashMap<>();
    private final Map<String, SDisk> disks = new LinkedHashMap<>();
    private final Map<String, SSnap> snaps = new LinkedHashMap<>();
    private final Map<String, SCmd> cmds = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<String, double[]> buckets = new HashMap<>();
    // indexes, so a fleet of 10,000 VMs costs no more per call than a handful
    private final Map<String, SDisk> diskByName = new HashMap<>();
    private final Map<String, SSnap> snapByName = new HashMap<>();
    private final Map<String, SCmd> cmdByName = new HashMap<>();
    private final Map<String, SDisk> onDevice = new HashMap<>();
    private final Map<String, Integer> writersOn = new HashMap<>();
    private final Map<String, SVm> bootOf = new HashMap<>();
    private int ids;
    private boolean twoCallSwap;
    private long calls;
    private long throttled;

    /** The kinds of VM a seed draws: what the checks must let through, and what they must refuse. */
    public enum VmKind {
        BROKEN, CLEAN, LINUX, GROUP, DUAL_PASS, LOCAL_SSD
    }

    private static final class SVm {
        String id;
        String uid;
        String name;
        Os os;
        Group group;
        Encryption enc;
        boolean localSsd;
        boolean worker;
        boolean eligible;
        String zone;
        Power power = Power.RUNNING;
        Power prevPower = Power.RUNNING;
        String boot;
        String prevBoot;
        long staleUntil;
        String original;
        int stops;
        long lastStartAt = -1;
    }

    private static final class SDisk {
        String id;
        String name;
        boolean original;
        String ownerUid;
        String sourceSnap;
        DiskState state;
        String attachedTo;
        String device;
        DiskState prevState;
        String prevAttachedTo;
        String prevDevice;
        long staleUntil;
        Map<String, String> tags = Map.of();
        boolean broken;
        boolean repaired;
        boolean torn;
        int writes;
        String zone;
    }

    private static final class SSnap {
        String id;
        String name;
        String sourceDisk;
        SnapshotState state = SnapshotState.PENDING;
        Map<String, String> tags;
        boolean broken;
        long takenAt;
    }

    private static final class SCmd {
        String id;
        String name;
        String worker;
        String device;
        String expect;
        String disk;
        CommandState state = CommandState.PENDING;
        boolean exited;
        boolean changed;
        boolean alive;
        boolean wrote;
        boolean cancelled;
        boolean dispatched;
        /** Until then, reads may not see the command yet (SSM's InvocationDoesNotExist right after SendCommand). */
        long invisibleUntil;
    }

    public SimCloud(SimClock clock, long seed, Faults faults, Profile profile) {
        this.clock = clock;
        this.rng = new SplittableRandom(seed);
        this.faults = faults;
        this.profile = profile;
    }

    public SimClock clock() {
        return clock;
    }

    public long calls() {
        return calls;
    }

    /** Calls answered with a throttling error. */
    public long throttled() {
        return throttled;
    }

    /** The VMs {@link #discover} lists (workers are not), without touching the API's limits. */
    public int discoverCount() {
        return (int) vms.values().stream().filter(v -> !v.worker).count();
    }

    // ---- building the world ----

    /** The swap as AWS and GCP have it: one call detaches the boot disk, the next attaches the other (the engine must finish a torn one). */
    public void twoCallSwap(boolean on) {
        this.twoCallSwap = on;
    }

    /** As {@link #addVm(VmKind, String, String, String)}, in {@code zone}; with no worker there it must never be touched. */
    public String addVm(VmKind kind, String uid, String name, String diskName, String zone) {
        String id = addVm(kind, uid, name, diskName);
        SVm v = vms.get(id);
        v.zone = zone;
        disks.get(v.original).zone = zone;
        if (vms.values().stream().noneMatch(w -> w.worker && (w.zone == null || w.zone.equals(zone)))) {
            v.eligible = false;
        }
        return id;
    }

    public String addWorker(String name, String zone) {
        String id = addWorker(name);
        vms.get(id).zone = zone;
        return id;
    }

    /** Adds a VM of the given kind with a boot disk; {@code diskName} may repeat (VMs from one template). Returns its ID. */
    public String addVm(VmKind kind, String uid, String name, String diskName) {
        SVm v = new SVm();
        v.id = "vm-" + (++ids);
        v.uid = uid;
        v.name = name;
        v.os = kind == VmKind.LINUX ? Os.LINUX : Os.WINDOWS;
        v.group = kind == VmKind.GROUP ? Group.values()[1 + rng.nextInt(3)] : Group.NONE;
        v.enc = kind == VmKind.DUAL_PASS ? Encryption.GUEST_DUAL_PASS : Encryption.values()[rng.nextInt(3)];
        v.localSsd = kind == VmKind.LOCAL_SSD;
        v.eligible = kind == VmKind.BROKEN || kind == VmKind.CLEAN;
        SDisk d = new SDisk();
        d.id = "disk-" + (++ids);
        d.name = diskName; // an original lives in its VM's own scope: its name may repeat across VMs
        d.original = true;
        d.ownerUid = uid;
        d.state = DiskState.IN_USE;
        d.prevState = DiskState.IN_USE;
        d.attachedTo = v.id;
        d.prevAttachedTo = v.id;
        d.device = "boot";
        d.prevDevice = "boot";
        d.broken = kind == VmKind.BROKEN || (kind != VmKind.CLEAN && rng.nextBoolean());
        disks.put(d.id, d);
        onDevice.put(v.id + "|boot", d);
        v.boot = d.id;
        v.prevBoot = d.id;
        v.original = d.id;
        bootOf.put(d.id, v);
        vms.put(v.id, v);
        return v.id;
    }

    public String addWorker(String name) {
        SVm w = new SVm();
        w.id = "worker-" + (++ids);
        w.uid = w.id;
        w.name = name;
        w.os = Os.LINUX;
        w.group = Group.NONE;
        w.enc = Encryption.NONE;
        w.worker = true;
        vms.put(w.id, w);
        return w.id;
    }

    // ---- faults, limits, staleness ----

    private void gate(String kind, Profile.Bucket b) {
        calls++;
        double[] s = buckets.computeIfAbsent(kind, k -> new double[] {b.capacity(), clock.now()});
        s[0] = Math.min(b.capacity(), s[0] + (clock.now() - s[1]) / 1000.0 * b.perSecond());
        s[1] = clock.now();
        if (s[0] < 1) {
            throttled++;
            throw new CloudException(Kind.THROTTLED, "RequestLimitExceeded (" + kind + ")");
        }
        s[0] -= 1;
        if (chance(faults.throttle())) {
            throttled++;
            throw new CloudException(Kind.THROTTLED, "429 Too Many Requests");
        }
        if (chance(faults.failBefore())) {
            throw new CloudException(Kind.TRANSIENT, "500 InternalError");
        }
    }

    private void read() {
        gate("describe", profile.describe());
    }

    private void write() {
        gate("mutate", profile.mutate());
    }

    private void applied() {
        if (chance(faults.failAfter())) {
            throw new CloudException(Kind.TRANSIENT, "503 ServiceUnavailable (the request was applied)");
        }
    }

    private boolean chance(double p) {
        return p > 0 && rng.nextDouble() < p;
    }

    private long staleWindow() {
        return faults.staleMaxMillis() <= 0 ? 0 : rng.nextLong(faults.staleMaxMillis() + 1);
    }

    private boolean stale(long until) {
        return clock.now() < until && chance(faults.staleRead());
    }

    private void power(SVm v, Power p) {
        v.prevPower = v.power;
        v.prevBoot = v.boot;
        v.power = p;
        v.staleUntil = clock.now() + staleWindow();
    }

    private void boot(SVm v, String disk) {
        v.prevPower = v.power;
        v.prevBoot = v.boot;
        if (v.boot != null) {
            bootOf.remove(v.boot);
        }
        if (disk != null) {
            bootOf.put(disk, v);
        }
        v.boot = disk;
        v.staleUntil = clock.now() + staleWindow();
    }

    private void disk(SDisk d, DiskState s, String to, String dev) {
        if (d.attachedTo != null) {
            onDevice.remove(d.attachedTo + "|" + d.device, d);
        }
        if (to != null) {
            onDevice.put(to + "|" + dev, d);
        }
        d.prevState = d.state;
        d.prevAttachedTo = d.attachedTo;
        d.prevDevice = d.device;
        d.state = s;
        d.attachedTo = to;
        d.device = dev;
        d.staleUntil = clock.now() + staleWindow();
    }

    private void violation(String what) {
        violations.add("t=" + clock.now() / 1000 + "s " + what);
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    private SVm vm(String id) {
        SVm v = vms.get(id);
        if (v == null) {
            throw new CloudException(Kind.NOT_FOUND, "no VM " + id);
        }
        return v;
    }

    private SDisk diskOf(String id) {
        SDisk d = disks.get(id);
        if (d == null) {
            throw new CloudException(Kind.NOT_FOUND, "no disk " + id);
        }
        return d;
    }

    private void name(String n) {
        if (!names.add(n)) {
            throw new CloudException(Kind.ALREADY_EXISTS, "the name " + n + " is taken");
        }
        if (n.length() > profile.maxNameLength()) {
            names.remove(n);
            throw new CloudException(Kind.FATAL, "name longer than " + profile.maxNameLength());
        }
    }

    // ---- the provider ----

    @Override
    public int maxNameLength() {
        return profile.maxNameLength();
    }

    @Override
    public List<VmRef> discover() {
        read();
        List<VmRef> out = new ArrayList<>();
        vms.values().stream().filter(v -> !v.worker).forEach(v -> out.add(new VmRef(v.id, v.uid, v.name)));
        return out;
    }

    @Override
    public VmInfo describeVm(String vmId) {
        read();
        SVm v = vm(vmId);
        boolean old = stale(v.staleUntil);
        return new VmInfo(v.id, v.uid, old ? v.prevPower : v.power, v.os, v.group, v.enc, v.localSsd, old ? v.prevBoot : v.boot, Map.of(), v.zone);
    }

    @Override
    public Scan scan(String vmId) {
        read();
        SVm v = vm(vmId);
        if (chance(faults.scanUnknown())) {
            return Scan.UNKNOWN;
        }
        return diskOf(v.boot).broken ? Scan.NEEDS_FIX : Scan.CLEAN;
    }

    @Override
    public void stopVm(String vmId) {
        write();
        SVm v = vm(vmId);
        if (!v.eligible) {
            violation("invariant 6: " + v.uid + " (" + v.os + ", " + v.group + ", " + v.enc + (v.localSsd ? ", Local SSD" : "")
                    + ") was stopped, which its checks must refuse");
        }
        if (v.worker) {
            violation("a worker was stopped");
        }
        if (v.localSsd) {
            throw new CloudException(Kind.CONFLICT, "a VM with Local SSD cannot be stopped");
        }
        if (v.power == Power.STARTING) {
            throw new CloudException(Kind.CONFLICT, "IncorrectInstanceState: starting");
        }
        if (v.power == Power.RUNNING) {
            v.stops++;
            power(v, Power.STOPPING);
            clock.at(profile.stop().draw(rng), () -> power(v, Power.STOPPED));
        }
        applied();
    }

    @Override
    public void startVm(String vmId) {
        write();
        SVm v = vm(vmId);
        if (v.power == Power.STOPPING) {
            throw new CloudException(Kind.CONFLICT, "IncorrectInstanceState: stopping");
        }
        if (v.boot == null) {
            throw new CloudException(Kind.CONFLICT, "the VM has no boot disk");
        }
        if (v.power == Power.STOPPED) {
            power(v, Power.STARTING);
            clock.at(profile.start().draw(rng), () -> {
                power(v, Power.RUNNING);
                v.lastStartAt = clock.now();
            });
        }
        applied();
    }

    @Override
    public DiskInfo describeDisk(String diskId) {
        read();
        SDisk d = diskOf(diskId);
        boolean old = stale(d.staleUntil);
        return new DiskInfo(d.id, d.name, old ? d.prevState : d.state, old ? d.prevAttachedTo : d.attachedTo, old ? d.prevDevice : d.device,
                d.sourceSnap, d.tags);
    }

    @Override
    public Optional<DiskInfo> findDisk(String name) {
        read();
        return Optional.ofNullable(diskByName.get(name)).map(d -> new DiskInfo(d.id, d.name, d.state, d.attachedTo, d.device, d.sourceSnap, d.tags));
    }

    @Override
    public SnapshotInfo describeSnapshot(String id) {
        read();
        SSnap s = snaps.get(id);
        if (s == null) {
            throw new CloudException(Kind.NOT_FOUND, "no snapshot " + id);
        }
        return new SnapshotInfo(s.id, s.name, s.state, s.sourceDisk, s.tags);
    }

    @Override
    public Optional<SnapshotInfo> findSnapshot(String name) {
        read();
        return Optional.ofNullable(snapByName.get(name)).map(s -> new SnapshotInfo(s.id, s.name, s.state, s.sourceDisk, s.tags));
    }

    @Override
    public String createSnapshot(String diskId, String name, Map<String, String> tags) {
        write();
        SDisk d = diskOf(diskId);
        name(name);
        SSnap s = new SSnap();
        s.id = "snap-" + (++ids);
        s.name = name;
        s.sourceDisk = d.id;
        s.tags = Map.copyOf(tags);
        s.broken = d.broken && !d.repaired;
        s.takenAt = clock.now();
        SVm owner = bootOf.get(d.id);
        if (owner != null && owner.power != Power.STOPPED) {
            violation("a snapshot of " + owner.uid + "'s boot disk was taken while it was " + owner.power + ": its later writes would be lost");
        }
        snaps.put(s.id, s);
        snapByName.put(name, s);
        boolean error = chance(faults.snapshotError());
        clock.at(profile.snapshot().draw(rng), () -> s.state = error ? SnapshotState.ERROR : SnapshotState.COMPLETED);
        applied();
        return s.id;
    }

    @Override
    public String createDisk(String snapshotId, String name, Map<String, String> tags) {
        write();
        SSnap s = snaps.get(snapshotId);
        if (s == null) {
            throw new CloudException(Kind.NOT_FOUND, "no snapshot " + snapshotId);
        }
        if (s.state != SnapshotState.COMPLETED) {
            violation("invariant 1: a copy was made from snapshot " + s.id + " while it was " + s.state);
            throw new CloudException(Kind.CONFLICT, "the snapshot is " + s.state);
        }
        name(name);
        SDisk d = new SDisk();
        d.id = "disk-" + (++ids);
        d.name = name;
        d.sourceSnap = s.id;
        d.tags = Map.copyOf(tags);
        d.broken = s.broken;
        SDisk from = disks.get(s.sourceDisk);
        d.zone = from == null ? null : from.zone;
        d.state = DiskState.CREATING;
        d.prevState = DiskState.CREATING;
        disks.put(d.id, d);
        diskByName.put(name, d);
        clock.at(profile.createDisk().draw(rng), () -> disk(d, DiskState.AVAILABLE, null, null));
        applied();
        return d.id;
    }

    @Override
    public void attachDisk(String diskId, String workerId, String device) {
        write();
        SDisk d = diskOf(diskId);
        SVm w = vm(workerId);
        if (d.state != DiskState.AVAILABLE || d.attachedTo != null) {
            throw new CloudException(Kind.CONFLICT, "VolumeInUse: " + d.id + " is " + d.state);
        }
        if (!w.worker || w.power != Power.RUNNING) {
            throw new CloudException(Kind.CONFLICT, "not a running worker: " + workerId);
        }
        if (onDevice.containsKey(workerId + "|" + device)) {
            throw new CloudException(Kind.CONFLICT, "the device " + device + " is in use on " + workerId);
        }
        if (d.original) {
            violation("invariant 1: the original " + d.id + " was attached to a worker");
        }
        if (w.zone != null && d.zone != null && !w.zone.equals(d.zone)) {
            violation(d.id + " in " + d.zone + " was sent to the worker " + workerId + " in " + w.zone);
            throw new CloudException(Kind.CONFLICT, "InvalidVolume.ZoneMismatch: " + d.id + " is in " + d.zone + ", the worker in " + w.zone);
        }
        disk(d, DiskState.ATTACHING, workerId, device);
        boolean fail = chance(faults.attachFail());
        clock.at(profile.attach().draw(rng), () -> {
            if (d.state == DiskState.ATTACHING) {
                disk(d, fail ? DiskState.AVAILABLE : DiskState.IN_USE, fail ? null : workerId, fail ? null : device);
            }
        });
        applied();
    }

    @Override
    public void detachDisk(String diskId, String workerId) {
        write();
        SDisk d = diskOf(diskId);
        if (d.state != DiskState.IN_USE || !workerId.equals(d.attachedTo)) {
            throw new CloudException(Kind.CONFLICT, "IncorrectState: " + d.id + " is " + d.state + " on " + d.attachedTo);
        }
        String dev = d.device;
        if (writersOn.getOrDefault(workerId + "|" + dev, 0) > 0) {
            violation("invariant 3: " + d.id + " was detached from " + workerId + " while a writer still held " + dev);
        }
        disk(d, DiskState.DETACHING, workerId, dev);
        clock.at(profile.detach().draw(rng), () -> disk(d, DiskState.AVAILABLE, null, null));
        applied();
    }

    @Override
    public void setBootDisk(String vmId, String diskId) {
        write();
        SVm v = vm(vmId);
        SDisk d = diskOf(diskId);
        if (v.power != Power.STOPPED) {
            throw new CloudException(Kind.CONFLICT, "the VM is " + v.power + ": stop it first");
        }
        if (twoCallSwap && diskId.equals(v.boot)) {
            applied();
            return;
        }
        if (twoCallSwap && v.boot != null) {
            // the first half: the boot disk comes off; the VM has none until the next call
            disk(disks.get(v.boot), DiskState.AVAILABLE, null, null);
            boot(v, null);
            applied();
            return;
        }
        if (d.state != DiskState.AVAILABLE || d.attachedTo != null) {
            throw new CloudException(Kind.CONFLICT, d.id + " is " + d.state + " on " + d.attachedTo);
        }
        if (!d.id.equals(v.original)) {
            if (!d.repaired || d.torn) {
                violation("invariant 5: " + v.uid + " was swapped onto " + d.id + ", which no completed fix changed");
            }
            SSnap s = d.sourceSnap == null ? null : snaps.get(d.sourceSnap);
            if (s == null || !v.original.equals(s.sourceDisk)) {
                violation("shared resource: " + v.uid + " was swapped onto " + d.id + ", made from another disk than its own");
            } else if (v.lastStartAt > s.takenAt) {
                violation(v.uid + " ran after its snapshot and was then swapped: what it wrote meanwhile is lost");
            }
        }
        SDisk old = v.boot == null ? null : disks.get(v.boot);
        if (old != null) {
            disk(old, DiskState.AVAILABLE, null, null);
        }
        disk(d, DiskState.IN_USE, v.id, "boot");
        boot(v, d.id);
        applied();
    }

    @Override
    public void deleteDisk(String diskId) {
        write();
        SDisk d = diskOf(diskId);
        if (d.state != DiskState.AVAILABLE || d.attachedTo != null) {
            throw new CloudException(Kind.CONFLICT, "VolumeInUse: " + d.id + " is " + d.state);
        }
        if (d.original) {
            violation("the original " + d.id + " was deleted");
        }
        disks.remove(d.id);
        names.remove(d.name);
        diskByName.remove(d.name, d);
        applied();
    }

    @Override
    public String startFix(String workerId, String device, String expectDiskId, String name) {
        gate("command", profile.command());
        SVm w = vm(workerId);
        if (!w.worker || w.power != Power.RUNNING) {
            throw new CloudException(Kind.CONFLICT, "not a running worker: " + workerId);
        }
        if (cmdByName.containsKey(workerId + "|" + name)) {
            throw new CloudException(Kind.ALREADY_EXISTS, "a command named " + name + " exists on " + workerId);
        }
        SCmd c = new SCmd();
        c.id = "cmd-" + (++ids);
        c.name = name;
        c.worker = workerId;
        c.device = device;
        c.expect = expectDiskId;
        c.invisibleUntil = clock.now() + staleWindow();
        cmds.put(c.id, c);
        cmdByName.put(workerId + "|" + name, c);
        clock.at(profile.dispatch().draw(rng), () -> dispatch(c));
        applied();
        return c.id;
    }

    private void dispatch(SCmd c) {
        c.dispatched = true;
        if (c.cancelled) {
            c.state = CommandState.CANCELLED;
            c.exited = true;
            return;
        }
        SDisk d = onDevice.get(c.worker + "|" + c.device);
        if (d == null || d.state != DiskState.IN_USE || !d.id.equals(c.expect)) {
            c.state = CommandState.FAILED; // worker-fix refuses a device that is not the expected disk
            c.exited = true;
            return;
        }
        c.disk = d.id;
        c.state = CommandState.IN_PROGRESS;
        c.alive = true;
        writersOn.merge(c.worker + "|" + c.device, 1, Integer::sum);
        boolean needs = d.broken && !d.repaired;
        long run = profile.fix().draw(rng);
        long timeout = profile.commandTimeoutMillis();
        double fate = rng.nextDouble();
        if (needs) {
            clock.at(1000, () -> write(c, false));
        }
        if (fate < faults.fixKilled()) {
            clock.at(1000 + rng.nextLong(run), () -> end(c, CommandState.FAILED, true, false));
        } else if (fate < faults.fixKilled() + faults.fixHang()) {
            clock.at(timeout, () -> timedOut(c));
            clock.at(600_000 + rng.nextLong(6_600_000), () -> end(c, null, false, false));
        } else if (fate < faults.fixKilled() + faults.fixHang() + faults.fixLate()) {
            clock.at(timeout, () -> timedOut(c));
            clock.at(timeout + 1000 + rng.nextLong(1_800_000), () -> end(c, null, false, needs));
        } else {
            clock.at(run, () -> end(c, CommandState.SUCCESS, true, needs));
        }
    }

    private void timedOut(SCmd c) {
        if (!c.state.terminal()) {
            c.state = CommandState.TIMED_OUT; // the handler gave up and killed its shell; the writer may live on
        }
    }

    /** The writer ends: {@code state} is what the command then reports (null: it already reported), {@code complete} its last write. */
    private void end(SCmd c, CommandState state, boolean exitSeen, boolean complete) {
        if (!c.alive) {
            return;
        }
        if (complete) {
            write(c, true);
        }
        c.alive = false;
        writersOn.merge(c.worker + "|" + c.device, -1, Integer::sum);
        if (state != null && !c.state.terminal()) {
            c.state = state;
            c.exited = exitSeen;
            c.changed = complete;
        }
    }

    private void write(SCmd c, boolean last) {
        if (!c.alive) {
            return;
        }
        SDisk d = disks.get(c.disk);
        if (d == null) {
            violation("invariant 3: a writer wrote to " + c.disk + " after it was deleted");
            return;
        }
        if (d.original) {
            violation("invariant 1: the original " + d.id + " was written");
        }
        if (!c.worker.equals(d.attachedTo) || !c.device.equals(d.device) || d.state != DiskState.IN_USE) {
            violation("invariant 3: the writer of " + c.name + " wrote to " + d.id + " after it left " + c.worker + " (" + d.state + " on "
                    + d.attachedTo + ")");
            return;
        }
        SVm v = bootOf.get(d.id);
        if (v != null && !v.worker && v.power != Power.STOPPED) {
            violation("invariant 2: " + d.id + " was written while " + v.uid + " ran on it");
        }
        d.writes++;
        c.wrote = true;
        if (last) {
            d.repaired = true;
            d.torn = false;
        } else {
            d.torn = true;
        }
    }

    @Override
    public Optional<CommandInfo> findCommand(String workerId, String name) {
        gate("command", profile.command());
        return Optional.ofNullable(cmdByName.get(workerId + "|" + name)).filter(c -> !stale(c.invisibleUntil)).map(SimCloud::info);
    }

    @Override
    public CommandInfo describeCommand(String workerId, String commandId) {
        read();
        SCmd c = cmds.get(commandId);
        if (c == null || !c.worker.equals(workerId) || stale(c.invisibleUntil)) {
            throw new CloudException(Kind.NOT_FOUND, "InvocationDoesNotExist: no command " + commandId + " on " + workerId);
        }
        return info(c);
    }

    private static CommandInfo info(SCmd c) {
        return new CommandInfo(c.id, c.name, c.state, c.exited, c.changed);
    }

    @Override
    public void cancelCommand(String workerId, String commandId) {
        gate("command", profile.command());
        SCmd c = cmds.get(commandId);
        if (c == null || !c.worker.equals(workerId)) {
            throw new CloudException(Kind.NOT_FOUND, "no command " + commandId);
        }
        if (c.state.terminal() && !c.alive) {
            return;
        }
        c.cancelled = true;
        clock.at(5_000 + rng.nextLong(25_000), () -> {
            if (!c.state.terminal()) {
                c.state = CommandState.CANCELLED;
            }
        });
        if (c.alive && !chance(faults.cancelShellOnly())) {
            clock.at(5_000 + rng.nextLong(55_000), () -> end(c, null, false, false));
        }
        applied();
    }

    @Override
    public boolean deviceHeld(String workerId, String device) {
        gate("command", profile.command());
        return writersOn.getOrDefault(workerId + "|" + device, 0) > 0;
    }

    // ---- the end-state checks ----

    /**
     * Everything wrong after a run: the violations seen during it, then the end state against the journal's records.
     * Call it when every VM's record is final (after running the clock on, so late writers have written).
     */
    public List<String> verify(RunReport report) {
        List<String> out = new ArrayList<>(violations);
        Map<String, VmRecord> byUid = new HashMap<>();
        report.vms().forEach(r -> byUid.put(r.uid(), r));
        Map<String, String> bootOwners = new HashMap<>();
        for (SVm v : vms.values()) {
            if (v.worker) {
                continue;
            }
            VmRecord r = byUid.get(v.uid);
            if (r == null) {
                out.add(v.uid + " is not in the run");
                continue;
            }
            String other = v.boot == null ? null : bootOwners.put(v.boot, v.uid);
            if (other != null) {
                out.add("shared resource: " + v.uid + " and " + other + " boot from one disk " + v.boot);
            }
            if (!r.step().terminal()) {
                out.add(v.uid + " ended in " + r.step() + ", not a final step");
                continue;
            }
            if (v.power != Power.RUNNING) {
                out.add(v.uid + " is " + v.power + " at the end (" + r.step() + ")");
            }
            SDisk boot = disks.get(v.boot);
            if (r.step() == Step.REPAIRED) {
                if (boot == null || boot.original || !boot.repaired || boot.torn) {
                    out.add(v.uid + " is REPAIRED but boots from " + v.boot + ", not a repaired copy");
                }
            } else if (!v.original.equals(v.boot)) {
                out.add(v.uid + " is " + r.step() + " but boots from " + v.boot + ", not its original " + v.original);
            }
            if (!v.eligible && v.stops > 0) {
                out.add(v.uid + " must never be touched and was stopped " + v.stops + " time(s)");
            }
        }
        for (SDisk d : disks.values()) {
            if (d.original && d.writes > 0) {
                out.add("the original " + d.id + " was written " + d.writes + " time(s)");
            }
            if (d.attachedTo != null && vms.get(d.attachedTo).worker) {
                out.add("the copy " + d.id + " is still on " + d.attachedTo + " at the end");
            }
            String source = d.tags.get(Naming.TAG_SOURCE);
            if (source != null && d.sourceSnap != null) {
                SSnap s = snaps.get(d.sourceSnap);
                String owner = s == null ? null : disks.containsKey(s.sourceDisk) ? disks.get(s.sourceDisk).ownerUid : null;
                if (!source.equals(owner)) {
                    out.add("shared resource: the copy " + d.name + " is tagged for " + source + " but was made from " + owner + "'s disk");
                }
            }
        }
        for (SSnap s : snaps.values()) {
            String source = s.tags.get(Naming.TAG_SOURCE);
            SDisk from = disks.get(s.sourceDisk);
            if (source != null && from != null && !source.equals(from.ownerUid)) {
                out.add("shared resource: the snapshot " + s.name + " is tagged for " + source + " but is of " + from.ownerUid + "'s disk");
            }
        }
        for (SCmd c : cmds.values()) {
            if (c.alive) {
                out.add("the writer of " + c.name + " is still alive at the end");
            }
        }
        return out;
    }

    /** The VMs that needed a fix and could be repaired (Windows, no group, readable encryption): a calm run repairs all of them. */
    public Set<String> repairable() {
        Set<String> out = new HashSet<>();
        vms.values().stream().filter(v -> !v.worker && v.eligible && disks.get(v.original).broken).forEach(v -> out.add(v.uid));
        return out;
    }
}
