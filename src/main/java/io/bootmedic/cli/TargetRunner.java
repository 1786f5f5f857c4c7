package io.bootmedic.cli;

import io.bootmedic.fs.FileTree;
import io.bootmedic.platform.PlatformFactory;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.remediation.RemediationRun;
import io.bootmedic.remediation.RunOptions;
import io.bootmedic.remediation.WindowsVolumes;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportWriter;
import io.bootmedic.target.Target;
import io.bootmedic.target.TargetVolume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens one target, runs the playbook over it and writes the report everywhere it belongs. */
final class TargetRunner {
    private final Playbook playbook;
    private final RunOptions options;
    private final IdentityProbe identity;

    TargetRunner(Playbook playbook, RunOptions options, IdentityProbe identity) {
        this.playbook = playbook;
        this.options = options;
        this.identity = identity;
    }

    record Result(Report report, List<ReportWriter.Written> written) {
    }

    Result run(Target target, Path outbox, Path reportFile) throws IOException {
        RemediationRun run = new RemediationRun(playbook, options, identity, CrashPoint.NONE);
        try (target) {
            List<TargetVolume> volumes = target.open();
            Report report = run.run(target, volumes, host(target));
            // written while the volumes are still open: an image's file system is gone after close
            List<ReportWriter.Written> written = new ReportWriter().write(report, reportVolumes(volumes), outbox, reportFile);
            return new Result(report, written);
        }
    }

    /** The machine is only known when bootmedic runs on it (WinPE, safe mode), not when it sees its disk from elsewhere. */
    private static Report.Host host(Target target) {
        if (!target.mode().equals("winpe") && !target.mode().equals("safe-mode")) {
            return Report.Host.UNKNOWN;
        }
        try {
            return PlatformFactory.current().machineIdentity().toHost();
        } catch (RuntimeException e) {
            return Report.Host.UNKNOWN;
        }
    }

    /** Reports go onto every Windows volume a real fix ran on; a dry run or scan leaves volumes untouched. */
    private List<FileTree> reportVolumes(List<TargetVolume> volumes) throws IOException {
        List<FileTree> trees = new ArrayList<>();
        if (options.dryRun()) {
            return trees;
        }
        for (TargetVolume v : volumes) {
            if (!v.locked() && !v.tree().isReadOnly() && WindowsVolumes.isWindows(v.tree())) {
                trees.add(v.tree());
            }
        }
        return trees;
    }
}
