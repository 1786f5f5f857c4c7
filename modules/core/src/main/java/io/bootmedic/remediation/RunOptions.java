package io.bootmedic.remediation;

/**
 * @param command scan, fix or undo (recorded in the report)
 * @param dryRun  plan and report, change nothing (scan is always a dry run)
 */
public record RunOptions(String command, boolean dryRun) {
}
