package io.bootmedic.cli;

import io.bootmedic.format.Printable;
import io.bootmedic.report.Diagnosis;
import io.bootmedic.report.FileAction;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportWriter;
import io.bootmedic.report.VolumeOutcome;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The human view of a report: a short table, a banner, and what to do next. */
final class ConsoleReport {
    private final PrintWriter out;

    ConsoleReport(PrintWriter out) {
        this.out = out;
    }

    void print(Report r, String rawTarget, boolean dryRun, List<ReportWriter.Written> written) {
        String target = Printable.of(rawTarget); // a folder or file name, perhaps from a batch list
        out.println("bootmedic " + r.agentVersion() + "  " + r.command() + (dryRun && r.command().equals("fix") ? " --dry-run" : "") + " " + target);
        // ids, sources, names, paths and errors below come from playbooks, images and collectors: each goes through Printable
        out.println("playbook " + Printable.of(r.playbook().id() + " (" + r.playbook().source() + ")") + "   run " + r.runId());
        for (Report.AppliedPlaybook p : r.playbooks().subList(Math.min(1, r.playbooks().size()), r.playbooks().size())) {
            out.println("  also applied: " + Printable.of(p.id() + " version " + p.version() + " (" + p.source()
                    + (p.publication() == null ? "" : " publication " + p.publication()) + ", signed by " + p.signedBy() + ")"));
        }
        for (Report.RefusedPlaybook p : r.refusedPlaybooks()) {
            out.println("  refused: " + Printable.of((p.publication() == null ? "" : "publication " + p.publication() + ": ") + p.reason()));
        }
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"VOLUME", "COMPUTER", "FILE", "VERDICT", "ACTION"});
        for (Report.VolumeReport v : r.volumes()) {
            String computer = v.windows().computerName() == null ? "?" : v.windows().computerName();
            if (v.actions().isEmpty()) {
                rows.add(new String[]{v.label(), computer, v.outcome() == VolumeOutcome.LOCKED ? "(locked)" : "(no matching file)", "-", "-"});
            }
            for (Report.Action a : v.actions()) {
                rows.add(new String[]{v.label(), computer, a.path(), a.verdict(), a.action().wire()});
            }
        }
        printTable(rows);
        out.println();
        for (Report.VolumeReport v : r.volumes()) {
            if (v.error() != null) {
                out.println("  " + Printable.of(v.label() + ": " + v.error()));
            }
            for (Report.Action a : v.actions()) {
                if (a.error() != null) {
                    out.println("  " + Printable.of(a.path() + ": " + a.error()));
                }
                if (a.detail() != null) {
                    out.println("  " + Printable.of(a.path() + ": " + a.detail()));
                }
                if (a.quarantinePath() != null && a.sha256() == null) {
                    out.println("  old hive kept at: " + Printable.of(a.quarantinePath()));
                } else if (a.quarantinePath() != null) {
                    out.println("  quarantined copy: " + Printable.of(a.quarantinePath() + "  (sha256 " + a.sha256() + ")"));
                }
            }
            for (String note : v.notes() == null ? List.<String>of() : v.notes()) {
                out.println("  note: " + Printable.of(note));
            }
            if (v.diagnosis() != null) {
                printDiagnosis(v.label(), v.diagnosis());
            }
        }
        for (String note : r.notes()) {
            out.println("note: " + Printable.of(note));
        }
        out.println(banner(r, target));
        for (ReportWriter.Written w : written) {
            if (w.error() == null) {
                out.println("report: " + w.where());
            }
        }
    }

    /** The most dumps listed on the console; the report holds them all. */
    /** One warning line per place the report could not be written to (the stick, the report file). */
    static void printWriteFailures(PrintWriter to, List<ReportWriter.Written> written) {
        for (ReportWriter.Written w : written) {
            if (w.error() != null) {
                to.println("bootmedic: warning: could not write the report to " + Printable.of(w.where() + ": " + w.error()));
            }
        }
    }

    static final int DUMPS_SHOWN = 5;

    /** What the run read about why the machine does not boot: crash dumps, pending updates, dirty hives. */
    private void printDiagnosis(String label, Diagnosis d) {
        out.println("  Diagnosis of " + Printable.of(label) + ":");
        if (d.crashDumps().isEmpty()) {
            out.println("    crash dumps: none");
        }
        for (Diagnosis.CrashDump c : d.crashDumps().subList(0, Math.min(DUMPS_SHOWN, d.crashDumps().size()))) {
            if (c.bugCheck() == null) {
                // an error names its file already
                out.println("    " + Printable.of(c.error() == null ? c.file() + ": " + c.kind() + " dump without a stop code" : c.error()));
                continue;
            }
            out.println("    " + Printable.of((c.time() == null ? "time unknown" : c.time()) + "  " + c.bugCheck()
                    + (c.bugCheckName() == null ? "" : " " + c.bugCheckName())
                    + (c.faultingModule() == null ? "" : " in " + c.faultingModule()) + "  (" + c.file() + ")"));
        }
        if (d.crashDumps().size() > DUMPS_SHOWN) {
            out.println("    ... and " + (d.crashDumps().size() - DUMPS_SHOWN) + " more dump(s) in the report");
        }
        Diagnosis.PendingUpdates p = d.pendingUpdates();
        if (p == null) {
            out.println("    pending updates: none");
        } else {
            out.println("    pending updates: " + Printable.of(String.join(", ", p.evidence()))
                    + (p.packages().isEmpty() ? "" : " (" + p.packages().size() + " package(s), e.g. " + Printable.of(p.packages().get(0)) + ")"));
            out.println("      to revert them, in WinPE: " + Printable.of(p.revertCommand()));
        }
        for (Diagnosis.HiveState h : d.hives()) {
            if (h.error() != null) {
                out.println("    hive " + Printable.of(h.hive() + ": " + h.error()));
            } else if (Boolean.TRUE.equals(h.dirty())) {
                out.println("    hive " + Printable.of(h.hive() + " is dirty: " + h.logs()));
            }
        }
        if (!d.hives().isEmpty() && d.hives().stream().allMatch(h -> h.error() == null && Boolean.FALSE.equals(h.dirty()))) {
            out.println("    hives: clean");
        }
    }

    private String banner(Report r, String target) {
        long moved = r.filesMadeHarmless();
        long planned = count(r, FileAction.WOULD_QUARANTINE);
        return switch (r.outcome()) {
            case FIXED -> "FIXED: " + (moved - count(r, FileAction.REPAIRED)) + " faulty file(s) quarantined or neutralized"
                    + (registry(r) > 0 ? ", " + registry(r) + " registry value(s) set" : "")
                    + (boot(r) > 0 ? ", " + boot(r) + " boot configuration setting(s) changed" : "")
                    + (safeModeSet(r) ? ". Next: restart the machine; it starts in safe mode, as the playbook asks. Turn that off afterwards "
                            + "(a playbook rule {\"action\": \"safe-mode\", \"mode\": \"off\"}, or bcdedit /deletevalue {default} safeboot).\n"
                            : ". Next: restart the machine; it should boot normally.\n")
                    + "       To put everything back: bootmedic undo " + target + " --run " + r.runId();
            case CLEAN -> "NOTHING TO FIX: no faulty file on " + r.volumes().size() + " Windows volume(s).\n"
                    + "       If the machine still crashes, the cause is something else: note the stop code and escalate.";
            case NEEDS_FIX -> notDoneHere(r) > 0 && planned == 0 && count(r, FileAction.WOULD_REPAIR) == 0
                    ? "WORK FOUND: " + notDoneHere(r) + " repair(s) this route cannot make (see above); nothing else was needed.\n"
                            + "       Next: run bootmedic in WinPE, WinRE or safe mode on the machine for them."
                    : "WORK FOUND: " + planned + " file(s) would be quarantined" + (count(r, FileAction.WOULD_REPAIR) > 0
                            ? " and " + count(r, FileAction.WOULD_REPAIR) + " registry value(s) changed" : "") + "; nothing was changed.\n"
                    + "       Next: run the same command as 'bootmedic fix' without --dry-run.";
            case NEEDS_KEY -> "NEEDS KEY: a volume is BitLocker-locked. Next: give its recovery key (--key-file, --key-bundle or --prompt) and run again.";
            case NO_WINDOWS -> noWindows(r, target);
            case FAILED -> "FAILED: see the messages above. Nothing was deleted" + (moved > 0
                    ? "; the " + moved + " file(s) already made harmless are in bootmedic/quarantine on the volume.\n" : ".\n")
                    + "       Next: fix what the message names and run the same command again (it resumes safely).";
        };
    }

    private static long notDoneHere(Report r) {
        return count(r, FileAction.NOT_DONE_HERE);
    }

    /** The advice depends on what was looked at: a mounted folder, or a disk image/device read offline. */
    private static String noWindows(Report r, String target) {
        if (r.mode().offline()) {
            return "NO WINDOWS FOUND in " + target + ": no NTFS or BitLocker volume with a Windows folder on this disk.\n"
                    + "       Next: check it is the machine's system disk (not a data disk or the wrong image); 'sgdisk -p' or 'fdisk -l' shows its "
                    + "partitions. A whole-disk encryption other than BitLocker, or a damaged partition table, also looks like this.";
        }
        return "NO WINDOWS FOUND at " + target + ": no Windows\\System32 folder there.\n"
                + "       Next: point --root at the root of the Windows drive (the folder that contains 'Windows'), not at a subfolder.";
    }

    /** Repairs made in a boot configuration store (their paths start with the store's: EFI/Microsoft/Boot/BCD, Boot/BCD). */
    private static long boot(Report r) {
        return r.volumes().stream().flatMap(v -> v.actions().stream())
                .filter(a -> a.action() == FileAction.REPAIRED && a.path() != null && isStore(a.path())).count();
    }

    private static long registry(Report r) {
        return count(r, FileAction.REPAIRED) - boot(r);
    }

    /** A path inside a BCD store: EFI/Microsoft/Boot/BCD\..., Boot/BCD\..., S:\EFI\...\BCD, "BCD (the system store)". */
    private static boolean isStore(String path) {
        return STORE.matcher(path).matches();
    }

    private static final java.util.regex.Pattern STORE = java.util.regex.Pattern.compile("(?i)(.*[\\\\/])?BCD([\\\\/ ].*)?");

    /** A repair that turned safe mode on: the machine will not "boot normally" next. */
    private static boolean safeModeSet(Report r) {
        return r.volumes().stream().flatMap(v -> v.actions().stream()).anyMatch(a -> a.action() == FileAction.REPAIRED && a.detail() != null
                && SAFE_MODE_ON.matcher(a.detail()).find());
    }

    private static final java.util.regex.Pattern SAFE_MODE_ON = java.util.regex.Pattern.compile(
            // offline: "safeboot off -> safeboot minimal ...", "already safeboot minimal ..."; Windows route: "safeboot: (absent) -> minimal",
            // "safeboot is already minimal"
            "(-> |^already )safeboot (minimal|network)|^safeboot: .*-> (minimal|network)|^safeboot is already (minimal|network)");

    /** The run's playbook wants the machine in safe mode (set now, or found set already): nothing may switch it off after the run. */
    static boolean safeModeWanted(Report r) {
        return r.volumes().stream().flatMap(v -> v.actions().stream())
                .anyMatch(a -> (a.action() == FileAction.REPAIRED || a.action() == FileAction.KEPT) && a.detail() != null
                        && SAFE_MODE_ON.matcher(a.detail()).find());
    }

    private static long count(Report r, FileAction action) {
        return r.volumes().stream().flatMap(v -> v.actions().stream()).filter(a -> a.action() == action).count();
    }

    private void printTable(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i] == null ? 1 : Printable.of(row[i]).length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String cell = row[i] == null ? "-" : Printable.of(row[i]);
                line.append(cell);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - cell.length() + 2));
                }
            }
            out.println(line);
        }
    }
}
