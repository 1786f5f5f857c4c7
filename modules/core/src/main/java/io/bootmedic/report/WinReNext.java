package io.bootmedic.report;

/**
 * What the WinRE launcher does after a run (scripts/winre/bootmedic-winre.cmd): restart into
 * Windows only when this run repaired the machine; in every other case return at once, so WinRE's
 * own menu (Continue, Troubleshoot, Command Prompt) is what the person at the machine sees.
 * A clean machine must not restart: it booted into WinRE for a reason this run did not find, and a
 * restart would hide the menu, or loop. A locked or failed one needs a person, who needs the menu.
 */
public enum WinReNext {
    RESTART_INTO_WINDOWS, LEAVE_TO_WINRE_MENU;

    public static WinReNext after(Report report) {
        return after(report.outcome());
    }

    /** FIXED is "this run repaired something, and nothing is left locked or failed" (RunOutcome.of). */
    public static WinReNext after(RunOutcome outcome) {
        return outcome == RunOutcome.FIXED ? RESTART_INTO_WINDOWS : LEAVE_TO_WINRE_MENU;
    }
}
