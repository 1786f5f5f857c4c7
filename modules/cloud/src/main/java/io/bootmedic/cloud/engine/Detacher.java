package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;

/**
 * Takes the copy off its worker and waits until a read shows it off. A read of {@code available} counts only after this
 * step's own detach (or a refusal that says it is not attached), or after the grace period: a lagging read may still
 * show a fresh attach as available, and a detached disk as in use.
 */
final class Detacher {
    private Detacher() {
    }

    static Result detach(Context ctx, Task t, Step next) {
        VmRecord r = t.rec;
        DiskInfo d = ctx.cloud().describeDisk(r.copy());
        if (d.attachedTo() != null && !d.attachedTo().equals(r.worker())) {
            return new Result.Fail("the copy " + d.id() + " is attached to " + d.attachedTo() + ", not to the worker " + r.worker());
        }
        if (d.attachedTo() == null && d.state() == DiskState.AVAILABLE) {
            if (t.actionAt != 0 || ctx.now() - t.stepStart > ctx.cfg().graceMillis()) {
                return new Result.Next(r.detachedNow().to(next));
            }
            return ctx.poll();
        }
        if (d.state() == DiskState.IN_USE && ctx.mayIssue(t)) {
            ctx.issue(t, () -> ctx.cloud().detachDisk(r.copy(), r.worker()));
        }
        return ctx.poll();
    }
}
