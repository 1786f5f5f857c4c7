package io.bootmedic.cli;

import io.bootmedic.console.WinPeConsole;
import io.bootmedic.format.Printable;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.linux.SysfsDisks;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.remediation.PlaybookSource;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.report.VolumeOutcome;
import io.bootmedic.rescue.AfterStep;
import io.bootmedic.rescue.DiskState;
import io.bootmedic.rescue.DiskSurvey;
import io.bootmedic.rescue.LockedVolume;
import io.bootmedic.rescue.RescueDisk;
import io.bootmedic.rescue.RescueMenu;
import io.bootmedic.rescue.WorstOutcome;
import io.bootmedic.util.AgentVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "rescue", sortOptions = false,
        description = {"The text console of the Linux rescue stick (scripts/rescue/init runs it): every disk of the machine with its controller "
                + "and each Windows volume with its BitLocker state, then a menu (fix all, fix one disk, type a recovery password, details, "
                + "shell, restart, power off), or with --unattended a fix of every disk and the banner.",
                "Intel RST and DDF RAID members are named and never opened. The step chosen at the end is written to --decision for the init.",
                "Exit 0 fixed or nothing to fix, 1 a disk failed or was refused, 2 usage error, 3 a volume stayed locked, 4 no Windows found."})
class RescueCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", required = true,
            description = "The mounted BOOTMEDIC-DATA volume: reports go to DIR/bootmedic/reports, logs to DIR/bootmedic/logs, "
                    + "neutralized files' bytes to DIR/bootmedic/quarantine/DISK.")
    Path data;

    @Option(names = "--medium-disk", paramLabel = "DEV", description = "The stick (or CD) the system booted from: never looked at.")
    Path mediumDisk;

    @Option(names = "--data-disk", paramLabel = "DEV", description = "The disk holding BOOTMEDIC-DATA: never looked at.")
    Path dataDisk;

    @Option(names = "--unattended", description = "Fix every disk without asking (bootmedic.mode=fix), then the banner and --after.")
    boolean unattended;

    @Option(names = "--after", paramLabel = "STEP", description = "reboot, poweroff or shell after an unattended run (default reboot). A reboot "
            + "follows only a FIXED or NOTHING TO FIX run, after --countdown; any other outcome opens a shell, someone must read the screen.")
    String after;

    @Option(names = "--countdown", paramLabel = "SECONDS", description = "Before the reboot; any key cancels into a shell (default 10, 0 to 3600).")
    int countdown = 10;

    @Option(names = "--decision", paramLabel = "FILE", description = "Where to write the step for the init: reboot, poweroff or shell.")
    Path decision;

    @Option(names = "--sysfs", paramLabel = "DIR", hidden = true, description = "sysfs root (tests).")
    Path sysfs = Path.of("/sys");

    @Option(names = "--dev-dir", paramLabel = "DIR", hidden = true, description = "Where the disks' device files are (tests).")
    Path devDir = Path.of("/dev");

    @Mixin
    KeyOptions keyOptions = new KeyOptions();

    @Mixin
    PlaybookOptions playbookOptions = new PlaybookOptions();

    /** Recovery passwords typed at the console: in memory only, for this boot. */
    private final List<RecoveryPassword> typed = new ArrayList<>();
    private final List<DiskState> states = new ArrayList<>();
    private WinPeConsole console;
    private RescueRuns runs;
    private DiskSurvey.Result survey;
    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AfterStep step = checkOptions();
        Path logs = data.resolve("bootmedic").resolve("logs");
        for (String dir : List.of("reports", "logs", "quarantine")) {
            Files.createDirectories(data.resolve("bootmedic").resolve(dir));
        }
        Path log = logs.resolve("rescue-" + RescueRuns.STAMP.format(java.time.Instant.now()) + ".log");
        keyOptions.checkFiles();
        PlaybookSource playbooks;
        try {
            playbooks = CollectorPlaybooks.source(playbookOptions.load(), playbookOptions, keyOptions.collector(), true, err);
        } catch (PlaybookException e) {
            err.println("bootmedic: playbook refused: " + Printable.of(e.getMessage()));
            err.println("Nothing was changed.");
            decide(AfterStep.SHELL);
            return ExitCodes.USAGE;
        }
        PrintStream screen = new PrintStream(org.apache.commons.io.output.WriterOutputStream.builder().setWriter(out)
                .setCharset(StandardCharsets.UTF_8).get(), true, StandardCharsets.UTF_8);
        try (TtyKeys keys = unattended && step == AfterStep.REBOOT ? TtyKeys.open(System.in) : null;
             WinPeConsole c = WinPeConsole.open(screen, log, keys == null ? () -> false : keys)) {
            console = c;
            runs = new RescueRuns(playbooks, () -> keyOptions.keys(typed), keyOptions.collector(), data, log, out, err, Clock.systemUTC());
            console.line("bootmedic " + AgentVersion.get() + " rescue console; reports go to " + data.resolve("bootmedic").resolve("reports"));
            RunOutcome outcome;
            try {
                survey = new DiskSurvey(new SysfsDisks(sysfs), devDir).survey(excluded());
            } catch (IOException e) {
                console.line("The disks could not be listed: " + RescueRuns.says(e));
                outcome = banner(List.of(RunOutcome.FAILED), "the disks could not be listed");
                decide(unattended ? afterUnattended(step, outcome) : AfterStep.SHELL);
                return outcome.exitCode();
            }
            for (RescueDisk d : survey.disks()) {
                console.line(d.name() + "  " + d.size() + "  " + d.disk().controller() + (d.refused() ? "  REFUSED: " + d.refusal() : ""));
            }
            survey.skipped().forEach(s -> console.line("(" + s + ")"));
            if (unattended) {
                outcome = fixAll();
                decide(afterUnattended(step, outcome));
                return outcome.exitCode();
            }
            survey.disks().forEach(d -> states.add(look(d)));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            AfterStep chosen = new RescueMenu(in, out, new Menu()).run();
            decide(chosen);
            return ExitCodes.CLEAN;
        }
    }

    /** The after-step asked for, checked before anything is looked at. */
    private AfterStep checkOptions() {
        if (!Files.isDirectory(data)) {
            throw new UsageError("--data " + data + " is not a folder: give the mounted BOOTMEDIC-DATA volume (or a tmpfs for a CD boot)");
        }
        if (countdown < 0 || countdown > 3600) {
            throw new UsageError("--countdown must be between 0 and 3600 seconds");
        }
        if (decision != null && (decision.toAbsolutePath().getParent() == null || !Files.isDirectory(decision.toAbsolutePath().getParent()))) {
            throw new UsageError("--decision " + decision + ": its folder does not exist");
        }
        try {
            return after == null ? (unattended ? AfterStep.REBOOT : AfterStep.SHELL) : AfterStep.parse(after);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** The stick and the data disk, by kernel name (a symlink such as /dev/disk/by-label/... is followed). */
    private Map<String, String> excluded() {
        Map<String, String> own = new LinkedHashMap<>();
        if (mediumDisk != null) {
            own.put(kernelName(mediumDisk), "the stick bootmedic started from");
        }
        if (dataDisk != null) {
            own.putIfAbsent(kernelName(dataDisk), "holds BOOTMEDIC-DATA");
        }
        return own;
    }

    private static String kernelName(Path dev) {
        try {
            return dev.toRealPath().getFileName().toString();
        } catch (IOException e) {
            return dev.getFileName() == null ? dev.toString() : dev.getFileName().toString();
        }
    }

    /** Every disk that is not refused, one report each; refused disks count as failed: nobody may think they were fixed. */
    private RunOutcome fixAll() {
        List<RunOutcome> outcomes = new ArrayList<>();
        long handled = 0;
        int volumes = 0;
        for (RescueDisk d : survey.disks()) {
            if (d.refused()) {
                outcomes.add(RunOutcome.FAILED);
                continue;
            }
            Report r = fix(d);
            outcomes.add(r == null ? RunOutcome.FAILED : r.outcome());
            if (r != null) {
                handled += r.filesMadeHarmless();
                volumes += r.volumes().size();
            }
        }
        long refused = survey.disks().stream().filter(RescueDisk::refused).count();
        return banner(outcomes, handled + " faulty file(s) handled on " + volumes + " Windows volume(s) of " + survey.usable().size() + " disk(s)"
                + (refused > 0 ? "; " + refused + " RAID member disk(s) refused, see above" : ""));
    }

    /** One disk's fix; null when it failed before a report (said in one line). */
    private Report fix(RescueDisk d) {
        console.line("=== " + d.name() + " (" + d.device() + ") ===");
        try {
            Report r = runs.fix(d);
            console.line(d.name() + ": " + r.outcome().banner());
            return r;
        } catch (IOException | RuntimeException e) {
            console.line(d.name() + ": FAILED: " + RescueRuns.says(e) + ". Nothing was deleted; choosing fix again resumes safely.");
            return null;
        }
    }

    private DiskState look(RescueDisk d) {
        if (d.refused()) {
            return new DiskState(d, null, null);
        }
        try {
            return new DiskState(d, runs.scan(d), null);
        } catch (IOException | RuntimeException e) {
            return new DiskState(d, null, RescueRuns.says(e));
        }
    }

    /** The banner (shared with WinPE) and the line the boot test reads from the serial console. */
    private RunOutcome banner(List<RunOutcome> outcomes, String detail) {
        RunOutcome worst = WorstOutcome.ofDisks(outcomes);
        console.banner(worst, detail, nextStep(worst));
        runs.show("bootmedic-rescue: BANNER " + worst.banner() + System.lineSeparator());
        return worst;
    }

    /** WinPE's next step, except where the stick's differs: typing a key here, and never "switch the controller to AHCI". */
    private String nextStep(RunOutcome outcome) {
        return switch (outcome) {
            case NEEDS_KEY -> unattended
                    ? "a BitLocker volume stayed locked: put its recovery key export in keys\\ on BOOTMEDIC-DATA and boot the stick again, "
                            + "or boot the console entry and type it (choice 3)."
                    : "choose 3 to type the recovery password of the locked volume named above, then fix again.";
            case NO_WINDOWS -> "no disk listed above holds Windows. If the machine's system disk is not listed, this kernel has no driver for "
                    + "its controller: 'lspci -k' in the shell names it; report it.";
            default -> outcome.nextStep();
        };
    }

    /** A reboot only after a clean result, and after a countdown any key cancels; everything else needs a person at the screen. */
    private AfterStep afterUnattended(AfterStep asked, RunOutcome outcome) throws IOException {
        if (asked != AfterStep.REBOOT) {
            return asked;
        }
        if (!outcome.restartAfterwards()) {
            console.line("Not restarting: " + outcome.banner() + " needs someone to read this screen. A shell follows.");
            return AfterStep.SHELL;
        }
        return countdown == 0 || console.rebootCountdown(countdown) ? AfterStep.REBOOT : AfterStep.SHELL;
    }

    private void decide(AfterStep step) throws IOException {
        if (decision != null) {
            step.writeTo(decision);
        }
        if (console != null) {
            console.line("Next: " + step.word());
        }
    }

    /** The menu's choices over the real disks. */
    private final class Menu implements RescueMenu.Actions {
        @Override
        public List<DiskState> disks() {
            return List.copyOf(states);
        }

        @Override
        public List<String> skipped() {
            return survey.skipped();
        }

        @Override
        public void fixAll() {
            RescueCommand.this.fixAll();
            rescan();
        }

        @Override
        public void fix(DiskState disk) {
            Report r = RescueCommand.this.fix(disk.disk());
            String computers = r == null ? "" : String.join(", ", r.volumes().stream().map(v -> v.windows() == null ? null : v.windows().computerName())
                    .filter(n -> n != null).toList());
            banner(List.of(r == null ? RunOutcome.FAILED : r.outcome()), disk.disk().name() + (computers.isEmpty() ? "" : " (" + computers + ")"));
            rescan();
        }

        @Override
        public boolean tryPassword(LockedVolume volume, RecoveryPassword password) {
            typed.add(password);
            int i = indexOf(volume.disk());
            DiskState again = look(states.get(i).disk());
            states.set(i, again);
            boolean opens = again.scan() != null && again.scan().volumes().stream()
                    .anyMatch(v -> v.volumeId().equals(volume.volumeId()) && v.outcome() != VolumeOutcome.LOCKED);
            if (!opens) {
                typed.remove(password); // a wrong password is not tried on every later look
            }
            return opens;
        }

        @Override
        public void details() {
            for (DiskState s : states) {
                if (s.scan() != null) {
                    StringWriter table = new StringWriter();
                    new ConsoleReport(new PrintWriter(table, true)).print(s.scan(), "--device " + s.disk().device(), true, List.of());
                    out.print(table);
                } else {
                    out.println(Printable.of(s.disk().name() + ": " + (s.disk().refused() ? "REFUSED: " + s.disk().refusal()
                            : s.error() == null ? "not looked at" : "could not be read: " + s.error())));
                }
                out.println();
            }
            survey.skipped().forEach(l -> out.println("(" + Printable.of(l) + ")"));
            out.flush();
        }

        private int indexOf(String disk) {
            for (int i = 0; i < states.size(); i++) {
                if (states.get(i).disk().name().equals(disk)) {
                    return i;
                }
            }
            throw new IllegalStateException("disk " + disk + " is not on the screen");
        }

        private void rescan() {
            states.replaceAll(s -> look(s.disk()));
        }
    }
}
