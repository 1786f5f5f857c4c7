package io.bootmedic.report;

import java.util.List;

/**
 * One run, as docs/design.md §7 {@code bootmedic.report/v1} fixes it.
 *
 * @param error a run-level failure that left no volume to report on (the platform did not load), else null
 * @param notes what the run wants read beside its volumes (which volumes WinRE let it look at, how far to trust its clock)
 */
public record Report(String schema, String runId, String agentVersion, String startedAt, String finishedAt, RunMode mode,
                     String command, PlaybookRef playbook, Host host, RunOutcome outcome, List<VolumeReport> volumes,
                     List<AppliedPlaybook> playbooks, List<RefusedPlaybook> refusedPlaybooks, String error, List<String> notes) {
    public static final String SCHEMA = "bootmedic.report/v1";

    public Report {
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    /** A run with no run-level error or notes. */
    public Report(String schema, String runId, String agentVersion, String startedAt, String finishedAt, RunMode mode,
                  String command, PlaybookRef playbook, Host host, RunOutcome outcome, List<VolumeReport> volumes,
                  List<AppliedPlaybook> playbooks, List<RefusedPlaybook> refusedPlaybooks) {
        this(schema, runId, agentVersion, startedAt, finishedAt, mode, command, playbook, host, outcome, volumes, playbooks, refusedPlaybooks,
                null, List.of());
    }

    /**
     * The run-level note of every run on the broken machine in WinPE or WinRE: their clock is the
     * firmware's, which Windows keeps in local time, so the report's times may be hours off UTC.
     */
    public static final String UNCHECKED_CLOCK = "startedAt and finishedAt are this machine's clock in WinPE/WinRE, read from the firmware, "
            + "which Windows usually keeps in local time: they may be hours off UTC and were not checked against the collector.";

    /** This report with {@code more} notes after its own. */
    public Report withNotes(List<String> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<String> all = new java.util.ArrayList<>(notes);
        all.addAll(more);
        return new Report(schema, runId, agentVersion, startedAt, finishedAt, mode, command, playbook, host, outcome, volumes, playbooks,
                refusedPlaybooks, error, all);
    }

    /** How many faulty files this run quarantined or neutralized, over every volume: what banners and summaries count. */
    public long filesMadeHarmless() {
        return volumes.stream().flatMap(v -> v.actions().stream()).filter(a -> a.action().madeHarmless()).count();
    }

    /** A run with one playbook and nothing refused. */
    public Report(String schema, String runId, String agentVersion, String startedAt, String finishedAt, RunMode mode,
                  String command, PlaybookRef playbook, Host host, RunOutcome outcome, List<VolumeReport> volumes) {
        this(schema, runId, agentVersion, startedAt, finishedAt, mode, command, playbook, host, outcome, volumes,
                List.of(new AppliedPlaybook(playbook.id(), null, playbook.source(), null, null)), List.of());
    }

    /**
     * One playbook the run applied (docs/design.md §7 "playbooks").
     *
     * @param source      "built-in", the file's path, or "collector"
     * @param publication the collector's publication id (collector playbooks only)
     * @param signedBy    the id of the key whose signature was verified, or null
     */
    public record AppliedPlaybook(String id, String version, String source, String publication, String signedBy) {
    }

    /** A playbook the run did not apply: a collector playbook whose signature or content was refused, or (publication null) the collector's list that could not be fetched. */
    public record RefusedPlaybook(String publication, String reason) {
    }

    /** Which playbook decided the verdicts. */
    public record PlaybookRef(String id, String source) {
    }

    /** The machine being repaired, when bootmedic can know it (not when it only sees a mounted disk). */
    public record Host(String biosSerial, String hypervisorVmId) {
        public static final Host UNKNOWN = new Host(null, null);
    }

    /** {@code diagnosis}: what was read about why the machine does not boot (Windows volumes only), or null. */
    public record VolumeReport(String volumeId, String label, String fileSystem, BitLocker bitlocker, Windows windows,
                               String journal, List<Action> actions, VolumeOutcome outcome, String error,
                               List<String> notes, Diagnosis diagnosis) {
        /** A volume without a diagnosis (locked, or reports made before issue 25). */
        public VolumeReport(String volumeId, String label, String fileSystem, BitLocker bitlocker, Windows windows, String journal,
                            List<Action> actions, VolumeOutcome outcome, String error, List<String> notes) {
            this(volumeId, label, fileSystem, bitlocker, windows, journal, actions, outcome, error, notes, null);
        }
    }

    public record BitLocker(String state, String method, String recoveryKeyId, String keySource, boolean recoveryPasswordUsed) {
        public static final BitLocker NONE = new BitLocker("none", null, null, null, false);

        /**
         * How bootmedic met the volume, before it did anything: "locked" (then {@code keySource} names
         * what unlocked it, or {@code state} stays locked), "unlocked" (Windows or WinRE had unlocked
         * it already; no key of bootmedic's was used) or "none" (not encrypted).
         */
        public String found() {
            if ("none".equals(state)) {
                return "none";
            }
            return "locked".equals(state) || keySource != null ? "locked" : "unlocked";
        }
    }

    public record Windows(String computerName, String productName, String build) {
        public static final Windows UNKNOWN = new Windows(null, null, null);
    }

    /** {@code detail}: what a repair rule found and made of it ("1 -> 4"), or null. */
    public record Action(String rule, String path, long size, String sha256, String modified, String verdict, FileAction action,
                         String quarantinePath, String error, String detail) {
        public Action(String rule, String path, long size, String sha256, String modified, String verdict, FileAction action, String quarantinePath,
                      String error) {
            this(rule, path, size, sha256, modified, verdict, action, quarantinePath, error, null);
        }
    }
}
