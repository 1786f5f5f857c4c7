package io.bootmedic.cli;

import io.bootmedic.report.RunOutcome;

/**
 * The process exit codes (docs/design.md, CLI contract). A run's code comes from its
 * {@link RunOutcome}; the others are the command line's own.
 */
final class ExitCodes {
    /** Clean now: fixed, or nothing to fix. */
    static final int CLEAN = RunOutcome.CLEAN.exitCode();
    /** Work is left, or the run failed. */
    static final int NEEDS_WORK = RunOutcome.FAILED.exitCode();
    /** Bad arguments or refused input; nothing was changed. */
    static final int USAGE = 2;
    /** A BitLocker volume stayed locked. */
    static final int LOCKED = RunOutcome.NEEDS_KEY.exitCode();
    /** No Windows volume was found. */
    static final int NO_WINDOWS = RunOutcome.NO_WINDOWS.exitCode();
    /** fix --winre stopped at its --time-limit (WinReWatchdog). */
    static final int TIME_LIMIT = WinReWatchdog.EXIT_TIME_LIMIT;

    private ExitCodes() {
    }
}
