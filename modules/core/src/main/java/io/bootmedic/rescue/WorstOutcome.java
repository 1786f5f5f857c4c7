package io.bootmedic.rescue;

import io.bootmedic.report.RunOutcome;

import java.util.List;

/** The banner over several disks: the worst disk's outcome wins, in the order the init used. */
public final class WorstOutcome {
    /** Worst first: a failure or a locked volume needs a person more than a disk without Windows does. */
    private static final List<RunOutcome> ORDER = List.of(RunOutcome.FAILED, RunOutcome.NEEDS_KEY, RunOutcome.NEEDS_FIX,
            RunOutcome.NO_WINDOWS, RunOutcome.FIXED, RunOutcome.CLEAN);

    private WorstOutcome() {
    }

    /** NO WINDOWS FOUND when there is no disk at all. */
    public static RunOutcome of(List<RunOutcome> outcomes) {
        RunOutcome worst = null;
        for (RunOutcome o : outcomes) {
            if (worst == null || ORDER.indexOf(o) < ORDER.indexOf(worst)) {
                worst = o;
            }
        }
        return worst == null ? RunOutcome.NO_WINDOWS : worst;
    }

    /**
     * Whether the disks together count as one Windows found: a machine with one Windows disk and
     * three empty data disks is FIXED, not NO WINDOWS FOUND. A disk without Windows weighs only
     * when no disk had Windows.
     */
    public static RunOutcome ofDisks(List<RunOutcome> outcomes) {
        List<RunOutcome> withWindows = outcomes.stream().filter(o -> o != RunOutcome.NO_WINDOWS).toList();
        return of(withWindows.isEmpty() ? outcomes : withWindows);
    }
}
