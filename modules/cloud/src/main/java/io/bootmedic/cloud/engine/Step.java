package io.bootmedic.cloud.engine;

/**
 * Where a VM is. A recorded step is an intent: it is written to the journal before its action is taken, and its handler
 * observes the cloud first, so a step resumed after a crash finds what the interrupted one did instead of doing it twice.
 */
public enum Step {
    DISCOVERED, CHECKING, STOPPING, SNAPSHOTTING, COPYING, ATTACHING, FIXING, RELEASING, DETACHING, SWAPPING, STARTING,
    /** Terminal: running on a repaired copy; the original disk kept, detached, and the snapshot kept. */
    REPAIRED,
    /** Terminal: never stopped, never changed (not Windows, in a group, unsupported encryption, clean scan, ...). */
    SKIPPED,
    /** Entered when a forward step fails; its only way on is the rollback chain. */
    FAILED,
    RB_RELEASING, RB_DETACHING, RB_UNSWAPPING, RB_STARTING, RB_DISCARDING,
    /** Terminal: stopped and looked at, nothing changed by the fix; running again on its original. */
    CLEAN,
    /** Terminal: a failure or an operator's rollback; running (as it was) on its original. */
    ROLLED_BACK;

    public boolean terminal() {
        return this == REPAIRED || this == SKIPPED || this == CLEAN || this == ROLLED_BACK;
    }

    public boolean rollbackChain() {
        return this == FAILED || name().startsWith("RB_");
    }

    /** Steps that may hold the VM stopped or a copy on a worker: they count against the region's concurrency. */
    public boolean inFlight() {
        return !terminal() && this != DISCOVERED && this != CHECKING;
    }
}
