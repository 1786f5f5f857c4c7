package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.report.Report;

import java.util.List;

/** Tells which Windows installation a volume holds (from its offline hives); never throws. */
@FunctionalInterface
public interface IdentityProbe {
    IdentityProbe NONE = tree -> new Result(Report.Windows.UNKNOWN, List.of());

    /** What was found, and notes on what could not be read. */
    record Result(Report.Windows windows, List<String> notes) {
    }

    Result identify(FileTree tree);
}
