package io.bootmedic.cloud.engine;

/** One VM's place in the scheduler: its recorded state and what its current step has done so far (not journaled). */
final class Task {
    VmRecord rec;
    final int order;
    long wakeAt;
    long stepStart;
    /** When the current step's write was last issued (0: not yet in this step). */
    long actionAt;
    /** The ID the current step created or found (snapshot, copy, command). */
    String pendingId;
    boolean cancelled;
    /** Writes issued in this step. */
    int issues;
    int errors;
    int throttles;
    long settleSince = -1;
    /** Why a rollback step gave up; the VM stays in its recorded step for a later rollback. */
    String stuck;

    Task(VmRecord rec, int order) {
        this.rec = rec;
        this.order = order;
    }

    void enter(VmRecord next, long now) {
        rec = next;
        stepStart = now;
        actionAt = 0;
        pendingId = null;
        cancelled = false;
        issues = 0;
        errors = 0;
        settleSince = -1;
    }
}
