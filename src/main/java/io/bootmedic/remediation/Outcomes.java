package io.bootmedic.remediation;

import io.bootmedic.report.Report;

import java.util.List;

/** Run outcome and process exit code from the volumes' outcomes (docs/design.md §5, §7). */
public final class Outcomes {
    public static final int EXIT_CLEAN = 0;
    public static final int EXIT_NEEDS_WORK = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_LOCKED = 3;
    public static final int EXIT_NO_WINDOWS = 4;

    private Outcomes() {
    }

    public static String runOutcome(List<Report.VolumeReport> volumes) {
        if (volumes.isEmpty()) {
            return "no-windows";
        }
        if (any(volumes, "failed")) {
            return "failed";
        }
        if (any(volumes, "locked")) {
            return "needs-key";
        }
        if (any(volumes, "needs-fix")) {
            return "needs-fix";
        }
        return any(volumes, "fixed") ? "fixed" : "clean";
    }

    public static int exitCode(String runOutcome) {
        return switch (runOutcome) {
            case "fixed", "clean" -> EXIT_CLEAN;
            case "needs-key" -> EXIT_LOCKED;
            case "no-windows" -> EXIT_NO_WINDOWS;
            default -> EXIT_NEEDS_WORK;
        };
    }

    private static boolean any(List<Report.VolumeReport> volumes, String outcome) {
        return volumes.stream().anyMatch(v -> outcome.equals(v.outcome()));
    }
}
