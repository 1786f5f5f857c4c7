package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.VmInfo;

import java.util.Optional;

/**
 * The way back to the original, from any recorded step: release the worker's hold on the copy, detach it, put the
 * original back as the boot disk, start the VM if it was running, delete the unused copy. Every handler works from what
 * the cloud shows, and finds by name what a crash kept out of the journal, so the chain completes from any record.
 * The snapshot is kept: it is the copy of the original that nothing writes.
 */
final class RollbackSteps {
    private final Context ctx;
    private final CloudProvider cloud;

    RollbackSteps(Context ctx) {
        this.ctx = ctx;
        this.cloud = ctx.cloud();
    }

    Result handle(Task t) {
        VmRecord r = t.rec;
        return switch (r.step()) {
            case FAILED -> new Result.Next(r.to(Step.RB_RELEASING));
            case RB_RELEASING -> release(t);
            case RB_DETACHING -> detach(t);
            case RB_UNSWAPPING -> unswap(t);
            case RB_STARTING -> start(t);
            case RB_DISCARDING -> discard(t);
            default -> throw new IllegalStateException("not a rollback step: " + r.step());
        };
    }

    /** The copy this run made for the VM: from the record, or found by its name and tags when a crash kept it out. */
    private String copyOf(VmRecord r) {
        if (r.copy() != null) {
            return r.copy();
        }
        Optional<DiskInfo> d = cloud.findDisk(ctx.naming().copy(r.uid(), r.attempt()));
        return d.filter(x -> ctx.naming().ours(x.tags(), r.uid())).map(DiskInfo::id).orElse(null);
    }

    private Result release(Task t) {
        VmRecord r = t.rec;
        if (r.worker() == null || r.released()) {
            return new Result.Next(r.to(Step.RB_DETACHING)); // no copy was ever sent to a worker, or it was let go
        }
        CommandInfo c;
        try {
            c = r.command() != null ? cloud.describeCommand(r.worker(), r.command())
                    : cloud.findCommand(r.worker(), ctx.naming().fix(r.uid(), r.attempt())).orElse(null);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                t.settleSince = -1;
                return ctx.poll(); // recorded, so it exists: a lagging read
            }
            throw e;
        }
        if (c != null && !c.state().terminal()) {
            if (!t.cancelled) {
                t.cancelled = true;
                cloud.cancelCommand(r.worker(), c.id());
            }
            t.settleSince = -1;
            return ctx.poll();
        }
        // invariant 3: the writer's exit was seen, or the worker says nothing holds the device
        if (c != null && c.writerExited()) {
            return new Result.Next(r.releasedNow().to(Step.RB_DETACHING));
        }
        boolean free = !cloud.deviceHeld(r.worker(), r.device());
        if (c != null ? free : ctx.settled(t, free)) {
            // no command visible may be one this run sent that reads do not show yet: then "nothing holds the device" must last
            return new Result.Next(r.releasedNow().to(Step.RB_DETACHING));
        }
        return ctx.poll();
    }

    private Result detach(Task t) {
        VmRecord r = t.rec;
        if (r.worker() == null || r.detached()) {
            return new Result.Next(r.to(Step.RB_UNSWAPPING));
        }
        if (!r.released()) {
            throw new IllegalStateException("invariant 3: " + r.uid() + " reached RB_DETACHING before the worker released the copy");
        }
        String copy = copyOf(r);
        if (copy == null) {
            return new Result.Next(r.detachedNow().to(Step.RB_UNSWAPPING));
        }
        if (r.copy() == null) {
            t.rec = r.withCopy(copy);
        }
        return Detacher.detach(ctx, t, Step.RB_UNSWAPPING);
    }

    private Result unswap(Task t) {
        VmRecord r = t.rec;
        if (r.original() == null) {
            return new Result.Next(r.to(Step.RB_STARTING)); // never got past its checks: nothing was swapped
        }
        VmInfo vm = cloud.describeVm(r.vmId());
        if (r.original().equals(vm.bootDiskId())) {
            // before a swap took, a lagging read also shows the original: read it twice
            return ctx.settled(t, true) ? new Result.Next(r.to(Step.RB_STARTING)) : ctx.poll();
        }
        t.settleSince = -1;
        if (vm.bootDiskId() == null && vm.power() == Power.STOPPED) {
            // a two-call swap between its calls (either way): put the original back, within a few polls
            if (ctx.mayReissue(t)) {
                ctx.issue(t, () -> cloud.setBootDisk(r.vmId(), r.original()));
            }
            return ctx.poll();
        }
        String copy = copyOf(r);
        if (copy == null || !copy.equals(vm.bootDiskId())) {
            return new Result.Fail("its boot disk is " + vm.bootDiskId() + ", neither its original " + r.original() + " nor this run's copy");
        }
        if (vm.power() == Power.RUNNING) {
            if (ctx.mayIssue(t)) {
                ctx.issue(t, () -> cloud.stopVm(r.vmId()));
            }
            return ctx.poll();
        }
        if (vm.power() == Power.STOPPED && ctx.mayReissue(t)) {
            ctx.issue(t, () -> cloud.setBootDisk(r.vmId(), r.original()));
        }
        return ctx.poll();
    }

    private Result start(Task t) {
        VmRecord r = t.rec;
        if (!r.checksPassed() || !r.wasRunning()) {
            return new Result.Next(r.to(Step.RB_DISCARDING)); // never stopped by this run, or it was off before
        }
        VmInfo vm = cloud.describeVm(r.vmId());
        if (!r.original().equals(vm.bootDiskId())) {
            // never start a VM being rolled back on anything but its original: back to the swap (a lagging read costs a round)
            return new Result.Next(r.to(Step.RB_UNSWAPPING));
        }
        if (ctx.settled(t, vm.power() == Power.RUNNING)) {
            return new Result.Next(r.to(Step.RB_DISCARDING));
        }
        if (vm.power() == Power.STOPPED && ctx.mayIssue(t)) {
            ctx.issue(t, () -> cloud.startVm(r.vmId()));
        }
        return ctx.poll();
    }

    private Result discard(Task t) {
        VmRecord r = t.rec;
        Step end = r.failed() ? Step.ROLLED_BACK : Step.CLEAN;
        String copy = copyOf(r);
        if (copy == null) {
            return new Result.Next(r.to(end));
        }
        DiskInfo d;
        try {
            d = cloud.describeDisk(copy);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return new Result.Next(r.to(end));
            }
            throw e;
        }
        if (d.attachedTo() != null && r.worker() != null && d.attachedTo().equals(r.worker()) && d.state() == DiskState.IN_USE
                && ctx.now() - t.stepStart > ctx.cfg().graceMillis()) {
            // it is on the worker after all (an attach that read as available): release and detach it first
            return new Result.Next(new VmRecord(r.uid(), r.vmId(), r.name(), Step.RB_RELEASING, r.attempt(), r.checksPassed(), r.wasRunning(),
                    r.original(), r.snapshot(), copy, r.worker(), r.device(), r.command(), false, false, r.changed(), r.failed(), r.reason(), r.zone()));
        }
        if (d.attachedTo() == null && d.state() == DiskState.AVAILABLE && ctx.mayIssue(t)) {
            try {
                ctx.issue(t, () -> cloud.deleteDisk(copy));
            } catch (CloudException e) {
                if (e.kind() == Kind.NOT_FOUND) {
                    return new Result.Next(r.to(end));
                }
                throw e;
            }
        }
        return ctx.poll();
    }
}
