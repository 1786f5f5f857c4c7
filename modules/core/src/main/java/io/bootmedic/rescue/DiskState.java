package io.bootmedic.rescue;

import io.bootmedic.report.Report;

/**
 * A disk and what the last look at it found.
 *
 * @param scan  the last scan's report; null when it was refused or the look failed
 * @param error the one line saying why the look failed; null otherwise
 */
public record DiskState(RescueDisk disk, Report scan, String error) {
}
