package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.SnapshotState;
import io.bootmedic.cloud.provider.Model.VmInfo;

import java.util.Optional;

/**
 * The way forward, one handler per step. Each observes the cloud before it writes, so it can be run again after a
 * crash at any point; each returns what to record next, or to wait, or that the step failed.
 */
final class ForwardSteps {
    private final Context ctx;
    private final CloudProvider cloud;

    ForwardSteps(Context ctx) {
        this.ctx = ctx;
        this.cloud = ctx.cloud();
    }

    Result handle(Task t) {
        VmRecord r = t.rec;
        return switch (r.step()) {
            case DISCOVERED -> new Result.Next(r.to(Step.CHECKING));
            case CHECKING -> check(t);
            case STOPPING -> stop(t);
            case SNAPSHOTTING -> snapshot(t);
            case COPYING -> copy(t);
            case ATTACHING -> attach(t);
            case FIXING -> fix(t);
            case RELEASING -> release(t);
            case DETACHING -> detach(t);
            case SWAPPING -> swap(t);
            case STARTING -> start(t);
            default -> throw new IllegalStateException("not a forward step: " + r.step());
        };
    }

    private Result check(Task t) {
        VmRecord r = t.rec;
        VmInfo vm = cloud.describeVm(r.vmId());
        String no = Checks.refusal(vm, ctx.naming(), r.uid(), ctx.cfg().workers());
        if (no != null) {
            return new Result.Next(r.because(no).to(Step.SKIPPED));
        }
        if (vm.power() != Power.RUNNING && vm.power() != Power.STOPPED) {
            return ctx.poll();
        }
        String clean = Checks.scanRefusal(cloud.scan(r.vmId()));
        if (clean != null) {
            return new Result.Next(r.because(clean).to(Step.SKIPPED));
        }
        return new Result.Next(r.checked(vm.bootDiskId(), vm.power() == Power.RUNNING, vm.zone()).to(Step.STOPPING));
    }

    private Result stop(Task t) {
        VmRecord r = t.rec;
        if (!r.checksPassed()) {
            throw new IllegalStateException("invariant 6: " + r.uid() + " reached STOPPING without its checks");
        }
        VmInfo vm = cloud.describeVm(r.vmId());
        if (!r.original().equals(vm.bootDiskId())) {
            return new Result.Fail("its boot disk changed since the checks (" + vm.bootDiskId() + ")");
        }
        switch (vm.power()) {
            case STOPPED:
                return new Result.Next(r.to(Step.SNAPSHOTTING));
            case RUNNING:
                if (ctx.mayIssue(t)) {
                    ctx.issue(t, () -> cloud.stopVm(r.vmId()));
                }
                return ctx.poll();
            default:
                return ctx.poll();
        }
    }

    private Result snapshot(Task t) {
        VmRecord r = t.rec;
        String name = ctx.naming().snapshot(r.uid(), r.attempt());
        if (t.pendingId == null) {
            Optional<SnapshotInfo> found = cloud.findSnapshot(name);
            if (found.isPresent()) {
                if (!ctx.naming().ours(found.get().tags(), r.uid())) {
                    return new Result.Fail("a snapshot named " + name + " exists and is not this run's (tags " + found.get().tags() + ")");
                }
                t.pendingId = found.get().id();
            } else {
                try {
                    t.pendingId = cloud.createSnapshot(r.original(), name, ctx.naming().tags(r.uid()));
                } catch (CloudException e) {
                    if (e.kind() == Kind.ALREADY_EXISTS) {
                        return ctx.poll(); // a write that was applied before its answer was lost: found next time
                    }
                    throw e;
                }
            }
        }
        SnapshotInfo s;
        try {
            s = cloud.describeSnapshot(t.pendingId);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND && ctx.now() - t.stepStart < ctx.cfg().graceMillis()) {
                return ctx.poll();
            }
            throw e;
        }
        if (!r.original().equals(s.sourceDiskId())) {
            return new Result.Fail("snapshot " + s.id() + " is of " + s.sourceDiskId() + ", not of the original " + r.original());
        }
        if (s.state() == SnapshotState.COMPLETED) {
            return new Result.Next(r.withSnapshot(s.id()).to(Step.COPYING));
        }
        if (s.state() == SnapshotState.ERROR) {
            if (r.attempt() < ctx.cfg().snapshotAttempts()) {
                return new Result.Next(r.because("snapshot " + s.id() + " ended in error; trying again").nextAttempt().to(Step.SNAPSHOTTING));
            }
            return new Result.Fail("snapshot " + s.id() + " ended in error, attempt " + r.attempt() + " of " + ctx.cfg().snapshotAttempts());
        }
        return ctx.poll();
    }

    private Result copy(Task t) {
        VmRecord r = t.rec;
        String name = ctx.naming().copy(r.uid(), r.attempt());
        if (t.pendingId == null) {
            Optional<DiskInfo> found = cloud.findDisk(name);
            if (found.isPresent()) {
                if (!ctx.naming().ours(found.get().tags(), r.uid())) {
                    return new Result.Fail("a disk named " + name + " exists and is not this run's (tags " + found.get().tags() + ")");
                }
                t.pendingId = found.get().id();
            } else {
                // invariant 1: a copy only from a snapshot seen completed, now
                SnapshotInfo s = cloud.describeSnapshot(r.snapshot());
                if (s.state() != SnapshotState.COMPLETED || !r.original().equals(s.sourceDiskId())) {
                    return new Result.Fail("snapshot " + r.snapshot() + " is " + s.state() + " of " + s.sourceDiskId() + ": no copy from it");
                }
                try {
                    t.pendingId = cloud.createDisk(r.snapshot(), name, ctx.naming().tags(r.uid()));
                } catch (CloudException e) {
                    if (e.kind() == Kind.ALREADY_EXISTS) {
                        return ctx.poll();
                    }
                    throw e;
                }
            }
        }
        DiskInfo d;
        try {
            d = cloud.describeDisk(t.pendingId);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND && ctx.now() - t.stepStart < ctx.cfg().graceMillis()) {
                return ctx.poll();
            }
            throw e;
        }
        if (!r.snapshot().equals(d.sourceSnapshotId())) {
            return new Result.Fail("disk " + d.id() + " was made from " + d.sourceSnapshotId() + ", not from " + r.snapshot());
        }
        if (d.state() == DiskState.ERROR) {
            return new Result.Fail("the copy " + d.id() + " ended in error");
        }
        if (d.state() == DiskState.AVAILABLE) {
            return new Result.Next(r.withCopy(d.id()).to(Step.ATTACHING)); // the engine lends it a worker slot first
        }
        return ctx.poll();
    }

    private Result attach(Task t) {
        VmRecord r = t.rec;
        DiskInfo d = cloud.describeDisk(r.copy());
        boolean here = r.worker().equals(d.attachedTo());
        if (d.attachedTo() != null && !here) {
            return new Result.Fail("the copy " + d.id() + " is attached to " + d.attachedTo() + ", not to the worker " + r.worker());
        }
        if (here && d.state() == DiskState.IN_USE) {
            if (!r.device().equals(d.device())) {
                return new Result.Fail("the copy is on " + r.worker() + " at " + d.device() + ", not at " + r.device());
            }
            return new Result.Next(r.to(Step.FIXING));
        }
        if (d.state() == DiskState.AVAILABLE) {
            // an attach that never took is tried once more after the grace period
            if (t.actionAt == 0 || (t.issues < 2 && ctx.now() - t.actionAt > ctx.cfg().graceMillis())) {
                ctx.issue(t, () -> cloud.attachDisk(r.copy(), r.worker(), r.device()));
                return ctx.poll();
            }
            // a fresh attach may read as available for a while (EC2 documents the lag): a grace period before it counts as failed
            if (ctx.now() - t.actionAt > ctx.cfg().graceMillis()) {
                return new Result.Fail("the copy " + d.id() + " still reads available " + ctx.cfg().graceMillis() / 1000 + " s after its second attach");
            }
        }
        return ctx.poll();
    }

    private Result fix(Task t) {
        VmRecord r = t.rec;
        String name = ctx.naming().fix(r.uid(), r.attempt());
        if (t.pendingId == null) {
            Optional<CommandInfo> found = cloud.findCommand(r.worker(), name);
            if (found.isPresent()) {
                t.pendingId = found.get().id(); // resumed: look at the running command, never start a second writer
            } else {
                // invariant 2: the copy, and only it, is on the worker, attached to nothing else, and it is not the original
                DiskInfo d = cloud.describeDisk(r.copy());
                if (d.state() == DiskState.ATTACHING && r.worker().equals(d.attachedTo())) {
                    return ctx.poll(); // a lagging read of the attach just seen done
                }
                if (r.copy().equals(r.original()) || d.state() != DiskState.IN_USE || !r.worker().equals(d.attachedTo())
                        || !r.device().equals(d.device()) || !ctx.naming().ours(d.tags(), r.uid())) {
                    return new Result.Fail("the copy " + r.copy() + " is not provably on the worker alone (" + d.state() + ", " + d.attachedTo() + ")");
                }
                try {
                    t.actionAt = ctx.now();
                    t.pendingId = cloud.startFix(r.worker(), r.device(), r.copy(), name);
                } catch (CloudException e) {
                    if (e.kind() == Kind.ALREADY_EXISTS) {
                        return ctx.poll(); // started by an earlier try whose answer was lost: found by name next time
                    }
                    throw e;
                }
            }
        }
        CommandInfo c;
        try {
            c = cloud.describeCommand(r.worker(), t.pendingId);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND && ctx.now() - Math.max(t.actionAt, t.stepStart) <= ctx.cfg().graceMillis()) {
                return ctx.poll(); // a command just sent may not be readable yet (SSM: InvocationDoesNotExist)
            }
            throw e;
        }
        if (c.state().terminal()) {
            boolean changed = c.state() == io.bootmedic.cloud.provider.Model.CommandState.SUCCESS && c.changed();
            VmRecord next = r.withCommand(c.id(), changed);
            if (c.state() != io.bootmedic.cloud.provider.Model.CommandState.SUCCESS) {
                next = next.failing("the fix ended " + c.state());
            } else if (!changed) {
                next = next.because("clean: the fix changed nothing");
            }
            return new Result.Next(next.to(Step.RELEASING));
        }
        if (!t.cancelled && ctx.now() - t.stepStart > ctx.cfg().fixDeadlineMillis()) {
            t.cancelled = true;
            cloud.cancelCommand(r.worker(), c.id());
        }
        return ctx.poll();
    }

    private Result release(Task t) {
        VmRecord r = t.rec;
        CommandInfo c;
        try {
            c = cloud.describeCommand(r.worker(), r.command());
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return ctx.poll(); // seen in FIXING: a lagging read (the step's deadline bounds this)
            }
            throw e;
        }
        boolean free = c.state().terminal() && (c.writerExited() || !cloud.deviceHeld(r.worker(), r.device()));
        if (!free) {
            if (!t.cancelled && !c.state().terminal()) {
                t.cancelled = true;
                cloud.cancelCommand(r.worker(), c.id());
            }
            if (ctx.now() - t.stepStart > ctx.cfg().releaseDeadlineMillis()) {
                return new Result.Fail("the worker still holds " + r.device() + " " + ctx.cfg().releaseDeadlineMillis() / 60000 + " min after the fix");
            }
            return ctx.poll();
        }
        VmRecord next = r.releasedNow();
        // invariant 5: only a copy the fix changed goes on towards a swap; anything else is put back as it was
        return new Result.Next(next.changed() && !next.failed() ? next.to(Step.DETACHING) : next.to(Step.RB_DETACHING));
    }

    private Result detach(Task t) {
        VmRecord r = t.rec;
        if (!r.released()) {
            throw new IllegalStateException("invariant 3: " + r.uid() + " reached DETACHING before the worker released the copy");
        }
        return Detacher.detach(ctx, t, Step.SWAPPING);
    }

    private Result swap(Task t) {
        VmRecord r = t.rec;
        if (!r.changed() || r.failed() || !r.released() || !r.detached()) {
            throw new IllegalStateException("invariant 5: " + r.uid() + " reached SWAPPING without a changed, released, detached copy");
        }
        VmInfo vm = cloud.describeVm(r.vmId());
        if (r.copy().equals(vm.bootDiskId())) {
            return new Result.Next(r.to(Step.STARTING));
        }
        if (vm.bootDiskId() == null && vm.power() == Power.STOPPED) {
            // a two-call swap (detach, attach) between its calls: the read proves the first half took, so the second is
            // sent within a few polls, not a grace period later (the adapter's call is a no-op while an attach is under way)
            if (ctx.mayReissue(t)) {
                ctx.issue(t, () -> cloud.setBootDisk(r.vmId(), r.copy()));
            }
            return ctx.poll();
        }
        if (!r.original().equals(vm.bootDiskId())) {
            return new Result.Fail("its boot disk is " + vm.bootDiskId() + ", neither the original nor the copy");
        }
        if (vm.power() != Power.STOPPED) {
            return new Result.Fail("it is " + vm.power() + " (started by someone else?): no swap");
        }
        if (ctx.mayIssue(t)) {
            ctx.issue(t, () -> cloud.setBootDisk(r.vmId(), r.copy()));
        }
        return ctx.poll();
    }

    private Result start(Task t) {
        VmRecord r = t.rec;
        if (!r.wasRunning()) {
            return new Result.Next(r.to(Step.REPAIRED));
        }
        VmInfo vm = cloud.describeVm(r.vmId());
        if (ctx.settled(t, vm.power() == Power.RUNNING && r.copy().equals(vm.bootDiskId()))) {
            return new Result.Next(r.to(Step.REPAIRED));
        }
        if (vm.power() == Power.STOPPED && ctx.mayIssue(t)) {
            ctx.issue(t, () -> cloud.startVm(r.vmId()));
        }
        return ctx.poll();
    }
}
