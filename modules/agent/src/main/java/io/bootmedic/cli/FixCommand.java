package io.bootmedic.cli;

import io.bootmedic.format.Printable;
import io.bootmedic.report.RunMode;
import io.bootmedic.report.RunOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "fix", sortOptions = false,
        description = {"Move the faulty file(s) into bootmedic\\quarantine\\<run> on the same volume; nothing is deleted.",
                "Every step is journalled, so the next run finishes an interrupted one; a report is written at the end.",
                "Exit 0 clean now, 1 still needs fixing or a step failed, 2 usage error or refused input, 3 a volume stayed locked, 4 no Windows found, "
                        + "5 --winre time limit reached."})
class FixCommand extends RunCommandBase {
    @Option(names = "--dry-run", description = "Show what would be done; change nothing. Exits 1 if there is work to do.")
    boolean dryRun;

    @Option(names = "--outbox", paramLabel = "DIR", description = "Also write the report here (e.g. the USB stick), to be sent later.")
    Path outbox;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the report to this file.")
    Path report;

    @Option(names = "--clear-safeboot", description = "After a successful fix in safe mode, switch safe mode off for the next start (bcdedit; the step often forgotten).")
    boolean clearSafeboot;

    @Option(names = "--reboot", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "30",
            description = "After a successful fix, restart the machine (default in 30 s). In WinPE bootmedic counts down and any key cancels; "
                    + "in safe mode 'shutdown /a' cancels.")
    Integer rebootSeconds;

    @Option(names = "--winre", description = "Run as WinRE's first step (scripts/winre/bootmedic-winre.cmd): restart into Windows only after a repair "
            + "(countdown --reboot, default 10 s); otherwise return at once so WinRE's menu follows.")
    boolean winre;

    @Option(names = "--time-limit", paramLabel = "SECONDS", description = "With --winre: stop after this long (default "
            + WinReWatchdog.DEFAULT_SECONDS + " s) with one line and exit code 5, so WinRE's menu follows even when a disk or WMI hangs.")
    Integer timeLimitSeconds;

    @Option(names = "--wait-network", paramLabel = "SECONDS", description = "Before the run, wait at most this long for the collector of --config to answer "
            + "(WinRE brings its network up late); then go on with or without it.")
    Integer waitNetworkSeconds;

    @Override
    boolean winre() {
        return winre;
    }

    @Override
    java.time.Duration timeLimit() {
        if (timeLimitSeconds != null && (!winre || timeLimitSeconds < 1 || timeLimitSeconds > WinReWatchdog.MAX_SECONDS)) {
            throw new UsageError(!winre ? "--time-limit bounds a --winre run; other runs have a person at the machine"
                    : "--time-limit must be between 1 and " + WinReWatchdog.MAX_SECONDS + " seconds");
        }
        return winre ? java.time.Duration.ofSeconds(timeLimitSeconds == null ? WinReWatchdog.DEFAULT_SECONDS : timeLimitSeconds) : null;
    }

    @Override
    void beforeRun(java.io.PrintWriter err) {
        if (waitNetworkSeconds == null || dryRun) {
            return;
        }
        if (waitNetworkSeconds < 0 || waitNetworkSeconds > 600) {
            throw new UsageError("--wait-network must be between 0 and 600 seconds (it delays WinRE's menu)");
        }
        target.keyOptions.collector().ifPresent(c -> io.bootmedic.collector.client.CollectorWait.system()
                .await(c.config().url(), waitNetworkSeconds * 1000L, m -> err.println("bootmedic: " + Printable.of(m))));
    }

    @Override
    void afterRun(io.bootmedic.report.Report report, java.io.PrintWriter out) throws java.io.IOException {
        RunOutcome outcome = report.outcome();
        if (winre) {
            try (var console = io.bootmedic.console.WinPeConsole.open(logFile(), io.bootmedic.platform.windows.ConsoleKeys.poller())) {
                WinReFinish.finish(report, rebootSeconds, console, WinReFinish.bootControl(console));
            }
            return;
        }
        if (report.mode() == RunMode.WINPE) {
            try (var console = io.bootmedic.console.WinPeConsole.open(logFile(), io.bootmedic.platform.windows.ConsoleKeys.poller())) {
                AfterFix.winpeFinish(report, rebootSeconds, console, AfterFix.winPe());
            }
            return;
        }
        if (outcome.restartAfterwards()) {
            AfterFix.run(clearSafeboot, rebootSeconds, out);
        } else if (clearSafeboot || rebootSeconds != null) {
            out.println("not leaving safe mode and not restarting: the fix did not finish (" + outcome + ")");
        }
    }

    @Override
    Path logFile() {
        return outbox == null ? null : outbox.resolve("bootmedic.log");
    }

    @Override
    String command() {
        return "fix";
    }

    @Override
    boolean dryRun() {
        return dryRun;
    }

    @Override
    Path outbox() {
        return outbox;
    }

    @Override
    Path reportFile() {
        return report;
    }

    @picocli.CommandLine.Mixin
    RepairOptions repair;

    @Override
    RepairOptions repairOptions() {
        return repair;
    }
}
