package io.bootmedic.rescue;

import io.bootmedic.format.Printable;
import io.bootmedic.report.Report;
import io.bootmedic.report.VolumeOutcome;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The one plain-text screen of the console: each disk with its controller, each Windows volume on it
 * with its BitLocker state and what a fix would do. Names, labels and models come from the disks and
 * go through {@link Printable}.
 */
public final class RescueScreen {
    private RescueScreen() {
    }

    public static void print(List<DiskState> disks, List<String> skipped, PrintWriter out) {
        out.println("Disks of this machine:");
        if (disks.isEmpty()) {
            out.println("  none found (besides the stick). If the machine's disk is missing, its controller has no driver here: "
                    + "'lspci -k' in the shell names it.");
        }
        int n = 0;
        for (DiskState s : disks) {
            RescueDisk d = s.disk();
            String number = d.refused() ? " -" : String.format("%2d", ++n);
            out.println(number + "  " + Printable.of(d.name() + "  " + d.size() + "  " + d.disk().controller()
                    + (d.disk().model().isEmpty() ? "" : "  " + d.disk().model()) + (d.disk().removable() ? "  removable" : "")));
            if (d.refused()) {
                out.println("      REFUSED: " + Printable.of(d.refusal()));
            } else if (s.error() != null) {
                out.println("      could not be read: " + Printable.of(s.error()));
            } else if (s.scan() != null && s.scan().volumes().isEmpty()) {
                out.println("      no Windows volume");
            } else if (s.scan() != null) {
                for (Report.VolumeReport v : s.scan().volumes()) {
                    out.println("      " + volumeLine(v));
                }
            }
        }
        for (String line : skipped) {
            out.println("  (" + Printable.of(line) + ")");
        }
    }

    /** "Windows ntfs:1a2b HOST-01  BitLocker locked, recovery key ID {..}  faulty file found". */
    static String volumeLine(Report.VolumeReport v) {
        String name = v.label() == null || v.label().isEmpty() ? v.volumeId() : v.label() + " " + v.volumeId();
        String computer = v.windows() == null || v.windows().computerName() == null ? "" : "  " + v.windows().computerName();
        return Printable.of(name + computer) + "  " + bitLocker(v.bitlocker()) + "  " + what(v);
    }

    private static String bitLocker(Report.BitLocker b) {
        if (b == null || "none".equals(b.state())) {
            return "not encrypted";
        }
        if ("locked".equals(b.state())) {
            return "BitLocker LOCKED, recovery key ID " + Printable.of(String.valueOf(b.recoveryKeyId()));
        }
        return "BitLocker, opened" + (b.keySource() == null ? "" : " with " + Printable.of(b.keySource()));
    }

    private static String what(Report.VolumeReport v) {
        return switch (v.outcome()) {
            case NEEDS_FIX -> "FAULTY FILE FOUND: fix it";
            case CLEAN -> "nothing to fix";
            case FIXED -> "fixed";
            case LOCKED -> "needs its recovery key";
            case FAILED -> "could not be read: " + Printable.of(String.valueOf(v.error()), 200);
        };
    }

    /** The volumes still locked after the last scans, for the prompt. */
    public static List<LockedVolume> locked(List<DiskState> disks) {
        List<LockedVolume> locked = new ArrayList<>();
        for (DiskState s : disks) {
            if (s.scan() == null) {
                continue;
            }
            for (Report.VolumeReport v : s.scan().volumes()) {
                if (v.outcome() == VolumeOutcome.LOCKED) {
                    locked.add(new LockedVolume(s.disk().name(), v.volumeId(), v.windows() == null ? null : v.windows().computerName(),
                            v.bitlocker() == null || v.bitlocker().recoveryKeyId() == null ? "unknown" : v.bitlocker().recoveryKeyId()));
                }
            }
        }
        return locked;
    }
}
