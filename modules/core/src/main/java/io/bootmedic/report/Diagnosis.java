package io.bootmedic.report;

import java.util.List;

/**
 * What a run read, without changing anything, about why the machine does not boot (issue 25, "Diagnosis in the
 * report"): the crash dumps Windows left, servicing operations waiting for the next boot, and registry hives that
 * Windows did not close cleanly. The collector's dashboard reads exactly these names (docs/diagnosis.md).
 *
 * @param pendingUpdates null when nothing is pending
 */
public record Diagnosis(List<CrashDump> crashDumps, PendingUpdates pendingUpdates, List<HiveState> hives) {
    public Diagnosis {
        crashDumps = crashDumps == null ? List.of() : List.copyOf(crashDumps);
        hives = hives == null ? List.of() : List.copyOf(hives);
    }

    /**
     * One dump file, as far as its header could be read.
     *
     * @param file           the path on the volume, '/'-separated, as stored ("Windows/Minidump/071924-10234-01.dmp")
     * @param kind           triage, kernel-full, kernel-summary, kernel-bitmap, user-minidump or unknown
     * @param time           when the dump was written (ISO-8601 UTC), or null when the header holds no valid time
     * @param bugCheck       "0x00000050"; for a user-mode minidump, the exception code; null when unknown
     * @param bugCheckName   the bug check's (or exception's) symbolic name, or null when not in bootmedic's table
     * @param parameters     the bug check's four parameters ("0xffffd0000a4f8000"), or the exception's parameters
     * @param faultingModule the file name of the module whose range holds the code address the bug check names, or null
     * @param error          one line saying why the file (or part of it) could not be read, else null
     */
    public record CrashDump(String file, String kind, String time, String bugCheck, String bugCheckName, List<String> parameters,
                            String faultingModule, String error) {
        public CrashDump {
            parameters = parameters == null ? List.of() : List.copyOf(parameters);
        }
    }

    /**
     * Servicing operations Windows will carry out at the next boot.
     *
     * @param evidence      the files (volume paths) that show it
     * @param packages      the package identities involved, where the files name them
     * @param revertCommand what reverts them, run in WinPE against this volume
     */
    public record PendingUpdates(boolean pending, List<String> evidence, List<String> packages, String revertCommand) {
        public PendingUpdates {
            evidence = evidence == null ? List.of() : List.copyOf(evidence);
            packages = packages == null ? List.of() : List.copyOf(packages);
        }
    }

    /**
     * One hive's state.
     *
     * @param dirty true when its base block's sequence numbers differ (or its checksum is wrong); null when unreadable
     * @param logs  what its transaction logs would do ("replays cleanly: 22 entries from SYSTEM.LOG1"), or null
     * @param error one line saying why the hive could not be judged, else null
     */
    public record HiveState(String hive, Boolean dirty, String logs, String error) {
    }
}
