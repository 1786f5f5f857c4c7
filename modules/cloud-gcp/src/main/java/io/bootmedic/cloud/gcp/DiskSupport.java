package io.bootmedic.cloud.gcp;

import java.util.Locale;
import java.util.Set;

/**
 * Which disk families a worker's machine series can attach, so a VM whose copy its workers cannot take is skipped before
 * it is stopped. From Google's machine-series pages as read for this route (not checked against a project): fourth
 * generation and X4 machines attach Hyperdisk only; the older general-purpose and compute series attach no Hyperdisk
 * Balanced. A series not named here is assumed to take both; an attach the API refuses still fails that VM safely.
 */
final class DiskSupport {
    private static final Set<String> NO_PERSISTENT_DISK = Set.of("c4", "c4a", "c4d", "n4", "n4a", "x4", "a4", "m4", "h4d");
    private static final Set<String> NO_HYPERDISK = Set.of("n1", "n2", "n2d", "e2", "t2d", "t2a", "c2", "c2d", "m1", "a2", "g2", "f1", "g1");

    private DiskSupport() {
    }

    static String series(String machineTypeUrl) {
        String t = GcpIds.last(machineTypeUrl).toLowerCase(Locale.ROOT);
        int dash = t.indexOf('-');
        return dash < 0 ? t : t.substring(0, dash);
    }

    /** Can a machine of this series attach a disk of this type (pd-balanced, hyperdisk-balanced, ...)? */
    static boolean attaches(String series, String diskType) {
        if (diskType.startsWith("hyperdisk-")) {
            return !NO_HYPERDISK.contains(series);
        }
        if (diskType.startsWith("pd-")) {
            return !NO_PERSISTENT_DISK.contains(series);
        }
        return true;
    }
}
