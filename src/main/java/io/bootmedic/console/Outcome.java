package io.bootmedic.console;

import java.util.Locale;

/** The run's result as the banner shows it; from the report's outcome field (docs/design.md §7). */
public enum Outcome {
    FIXED("FIXED", "remove the USB stick; the machine restarts into Windows. The report is on the stick and was sent if a collector is set."),
    NOTHING_TO_FIX("NOTHING TO FIX", "the faulty file is not on this machine. If it still crashes, look at the stop code and escalate."),
    NEEDS_KEY("NEEDS KEY", "a BitLocker volume stayed locked. Look up the recovery key ID shown above, then run bootmedic again "
            + "(bootmedic fix --all --prompt), or add the key to the key bundle on the stick."),
    FAILED("FAILED", "read the lines above and the log on the stick (bootmedic\\logs). Nothing was changed that cannot be undone; "
            + "send the report to the incident team."),
    NO_WINDOWS("NO WINDOWS FOUND", "the disk was not seen. Add the storage driver (winpe\\build.ps1 -Drivers) or switch the "
            + "controller from RAID/VMD to AHCI in the firmware, then boot the stick again.");

    final String title;
    final String nextStep;

    Outcome(String title, String nextStep) {
        this.title = title;
        this.nextStep = nextStep;
    }

    /** fixed, clean, needs-key, failed, no-windows; anything unknown counts as FAILED so nobody walks away. */
    public static Outcome fromReport(String outcome) {
        return switch (outcome == null ? "" : outcome.toLowerCase(Locale.ROOT)) {
            case "fixed" -> FIXED;
            case "clean" -> NOTHING_TO_FIX;
            case "needs-key" -> NEEDS_KEY;
            case "no-windows" -> NO_WINDOWS;
            default -> FAILED;
        };
    }

    /** Only a repaired or clean machine restarts by itself; the others need a person to read the screen. */
    public boolean restartAfterwards() {
        return this == FIXED || this == NOTHING_TO_FIX;
    }
}
