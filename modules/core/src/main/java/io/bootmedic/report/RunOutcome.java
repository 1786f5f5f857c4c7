package io.bootmedic.report;

import java.util.List;
import java.util.Locale;

/**
 * A run's result: its name in the report, the process exit code, and what the WinPE banner says
 * with the next step for the person at the machine (docs/design.md, report and CLI contracts).
 */
public enum RunOutcome {
    FIXED("fixed", 0, "FIXED", "remove the USB stick; the machine restarts into Windows. The report is on the stick and was sent if a collector is set."),
    CLEAN("clean", 0, "NOTHING TO FIX", "the faulty file is not on this machine. If it still crashes, look at the stop code and escalate."),
    /** A scan or dry run found work; a real run never ends here. */
    NEEDS_FIX("needs-fix", 1, "NEEDS FIX", "run the same command without --dry-run (or 'fix' instead of 'scan') to quarantine the file."),
    NEEDS_KEY("needs-key", 3, "NEEDS KEY", "a BitLocker volume stayed locked. Look up the recovery key ID shown above, then run bootmedic again "
            + "(bootmedic fix --all --prompt), or add the key to the key bundle on the stick."),
    FAILED("failed", 1, "FAILED", "read the lines above and the log on the stick (bootmedic\\logs). Nothing was changed that cannot be undone; "
            + "send the report to the incident team."),
    NO_WINDOWS("no-windows", 4, "NO WINDOWS FOUND", "the disk was not seen. Add the storage driver (winpe\\build.ps1 -Drivers) or switch the "
            + "controller from RAID/VMD to AHCI in the firmware, then boot the stick again.");

    private final String wire;
    private final int exitCode;
    private final String banner;
    private final String nextStep;

    RunOutcome(String wire, int exitCode, String banner, String nextStep) {
        this.wire = wire;
        this.exitCode = exitCode;
        this.banner = banner;
        this.nextStep = nextStep;
    }

    public String wire() {
        return wire;
    }

    /** 0 clean now, 1 work left or failed, 3 a key is needed, 4 no Windows found. */
    public int exitCode() {
        return exitCode;
    }

    public String banner() {
        return banner;
    }

    public String nextStep() {
        return nextStep;
    }

    /** Only a repaired or clean machine restarts by itself; the others need a person to read the screen. */
    public boolean restartAfterwards() {
        return this == FIXED || this == CLEAN;
    }

    /** The run's outcome from its volumes': the worst one wins. */
    public static RunOutcome of(List<Report.VolumeReport> volumes) {
        if (volumes.isEmpty()) {
            return NO_WINDOWS;
        }
        if (any(volumes, VolumeOutcome.FAILED)) {
            return FAILED;
        }
        if (any(volumes, VolumeOutcome.LOCKED)) {
            return NEEDS_KEY;
        }
        if (any(volumes, VolumeOutcome.NEEDS_FIX)) {
            return NEEDS_FIX;
        }
        return any(volumes, VolumeOutcome.FIXED) ? FIXED : CLEAN;
    }

    /** The outcome a report names; anything unknown counts as FAILED so nobody walks away. */
    public static RunOutcome fromWire(String wire) {
        String w = wire == null ? "" : wire.toLowerCase(Locale.ROOT);
        for (RunOutcome o : values()) {
            if (o.wire.equals(w)) {
                return o;
            }
        }
        return FAILED;
    }

    private static boolean any(List<Report.VolumeReport> volumes, VolumeOutcome outcome) {
        return volumes.stream().anyMatch(v -> v.outcome() == outcome);
    }

    @Override
    public String toString() {
        return wire;
    }
}
