package io.bootmedic.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/** One run, as DESIGN §5 {@code bootmedic.report/v1} fixes it. */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"schema", "runId", "agentVersion", "startedAt", "finishedAt", "mode", "command", "playbook", "host", "outcome", "volumes"})
public record Report(String schema, String runId, String agentVersion, String startedAt, String finishedAt, String mode,
                     String command, PlaybookRef playbook, Host host, String outcome, List<VolumeReport> volumes) {
    public static final String SCHEMA = "bootmedic.report/v1";

    /** Which playbook decided the verdicts. */
    public record PlaybookRef(String id, String source) {
    }

    /** The machine being repaired, when bootmedic can know it (not when it only sees a mounted disk). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Host(String biosSerial, String hypervisorVmId) {
        public static final Host UNKNOWN = new Host(null, null);
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"volumeId", "label", "fileSystem", "bitlocker", "windows", "journal", "actions", "outcome", "error", "notes"})
    public record VolumeReport(String volumeId, String label, String fileSystem, BitLocker bitlocker, Windows windows,
                               String journal, List<Action> actions, String outcome, String error,
                               @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> notes) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record BitLocker(String state, String method, String recoveryKeyId, String keySource, boolean recoveryPasswordUsed) {
        public static final BitLocker NONE = new BitLocker("none", null, null, null, false);
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Windows(String computerName, String productName, String build) {
        public static final Windows UNKNOWN = new Windows(null, null, null);
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"rule", "path", "size", "sha256", "modified", "verdict", "action", "quarantinePath", "error"})
    public record Action(String rule, String path, long size, String sha256, String modified, String verdict, String action,
                         String quarantinePath, @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
    }
}
