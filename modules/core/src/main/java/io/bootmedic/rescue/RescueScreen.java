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
                wrap("REFUSED: " + Printable.of(d.refusal()), "      ", out);
            } else if (s.error() != null) {
                out.println("      could not be read: " + Printable.of(s.error()));
            } else if (s.scan() != null && s.scan().volumes().isEmpty()) {
                out.println("      no Windows volume");
            } else if (s.scan() != null) {
                for (Report.VolumeReport v : s.scan().volumes()) {
                    // two lines: a Linux console is 80 columns, and a BitLocker key ID alone takes 38
                    out.println("      " + volumeName(v));
                    wrap(volumeState(v), "        ", out);
                    if (v.bitlocker() != null && "locked".equals(v.bitlocker().state())) {
                        out.println("        recovery key ID " + Printable.of(String.valueOf(v.bitlocker().recoveryKeyId())));
                    }
                }
            }
        }
        for (String line : skipped) {
            out.println("  (" + Printable.of(line) + ")");
        }
    }

    /** Columns a line of the screen keeps to: the Linux text console has 80. */
    static final int WIDTH = 78;

    /** Long text in lines of at most {@link #WIDTH} columns, broken at spaces (a word longer than a line stays whole). */
    static void wrap(String text, String indent, PrintWriter out) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                out.println(line);
                line.setLength(0);
                line.append(indent).append("  ");
            }
            if (line.length() > indent.length() && !line.toString().endsWith("  ")) {
                line.append(' ');
            }
            line.append(word);
        }
        out.println(line);
    }

    /** "Windows ntfs:1a2b  HOST-01". */
    static String volumeName(Report.VolumeReport v) {
        String name = v.label() == null || v.label().isEmpty() ? v.volumeId() : v.label() + " " + v.volumeId();
        String computer = v.windows() == null || v.windows().computerName() == null ? "" : "  " + v.windows().computerName();
        return Printable.of(name + computer);
    }

    /** "BitLocker LOCKED  needs its recovery key" (the key ID follows on a line of its own). */
    static String volumeState(Report.VolumeReport v) {
        return bitLocker(v.bitlocker()) + "  " + what(v);
    }

    private static String bitLocker(Report.BitLocker b) {
        if (b == null || "none".equals(b.state())) {
            return "not encrypted";
        }
        if ("locked".equals(b.state())) {
            return "BitLocker LOCKED";
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
