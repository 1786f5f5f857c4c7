package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.report.Report;

/** Tells which Windows installation a volume holds (from its offline hives); never throws. */
@FunctionalInterface
public interface IdentityProbe {
    Report.Windows identify(FileTree tree);
}
