package io.bootmedic.collector.store;

import io.bootmedic.report.Report;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.util.Json;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the collector keeps from an uploaded report, checked field by field: agents run on
 * machines we do not control, so nothing in the body is trusted (sizes, enums, ids).
 */
public record ReportSummary(String runId, String machineId, String identity, String computerName, String biosSerial, String vmId,
                            List<String> volumeIds, String outcome, String mode, String agentVersion, long finishedAt,
                            List<UsedKey> usedKeys, List<String> neededKeyIds, ReportDiagnosis diagnosis) {
    /** A report without the crash facts and pending updates of a {@code diagnosis} (as older agents send). */
    public ReportSummary(String runId, String machineId, String identity, String computerName, String biosSerial, String vmId,
                         List<String> volumeIds, String outcome, String mode, String agentVersion, long finishedAt,
                         List<UsedKey> usedKeys, List<String> neededKeyIds) {
        this(runId, machineId, identity, computerName, biosSerial, vmId, volumeIds, outcome, mode, agentVersion, finishedAt, usedKeys, neededKeyIds,
                ReportDiagnosis.NONE);
    }

    /** A recovery password the run used, which should now be rotated. */
    public record UsedKey(String keyId, String source) {
    }

    /**
     * The run outcomes of report v1 (docs/design.md §7) an agent sends, in the order the dashboard shows
     * them; needs-fix is left out: only a dry run ends there, and a dry run sends nothing.
     */
    public static final List<String> OUTCOMES = java.util.stream.Stream.of(RunOutcome.FIXED, RunOutcome.CLEAN, RunOutcome.NEEDS_KEY,
            RunOutcome.FAILED, RunOutcome.NO_WINDOWS).map(RunOutcome::wire).toList();
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{7,63}");
    private static final Pattern KEY_ID = Pattern.compile("\\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}}?");
    private static final int MAX_TEXT = 256;
    /** Serials that firmware vendors ship unset: they do not tell machines apart. */
    private static final Set<String> PLACEHOLDER_SERIALS = Set.of("", "0", "none", "default string", "to be filled by o.e.m.",
            "system serial number", "not specified", "not applicable", "n/a", "123456789", "0123456789");

    /** Thrown for a body that is not an acceptable report; the message says which field and why. */
    public static final class InvalidReportException extends io.bootmedic.format.FormatException {
        public InvalidReportException(String message) {
            super(message);
        }
    }

    public static ReportSummary parse(byte[] body) throws InvalidReportException {
        Map<String, Object> m;
        try {
            m = Json.readObject(body);
        } catch (IOException | RuntimeException e) {
            throw new InvalidReportException("the body is not a JSON object");
        }
        if (!Report.SCHEMA.equals(m.get("schema"))) {
            throw new InvalidReportException("schema must be \"" + Report.SCHEMA + "\"");
        }
        String runId = text(m, "runId", true);
        if (!RUN_ID.matcher(runId).matches()) {
            throw new InvalidReportException("runId must be 8 to 64 letters, digits or dashes");
        }
        String outcome = text(m, "outcome", true);
        if (!OUTCOMES.contains(outcome)) {
            throw new InvalidReportException("outcome must be one of " + OUTCOMES);
        }
        String mode = text(m, "mode", false);
        String agentVersion = text(m, "agentVersion", false);
        long finishedAt = instant(m, "finishedAt");
        Map<String, Object> host = object(m, "host");
        String bios = host == null ? null : text(host, "biosSerial", false);
        String vm = host == null ? null : text(host, "hypervisorVmId", false);

        String computerName = null;
        List<String> volumeIds = new ArrayList<>();
        List<UsedKey> usedKeys = new ArrayList<>();
        List<String> neededKeyIds = new ArrayList<>();
        Object volumes = m.get("volumes");
        if (volumes != null && !(volumes instanceof List)) {
            throw new InvalidReportException("volumes must be a list");
        }
        if (volumes != null) {
            if (((List<?>) volumes).size() > 64) {
                throw new InvalidReportException("volumes: more than 64 volumes in one report");
            }
            for (Object v : (List<?>) volumes) {
                if (!(v instanceof Map)) {
                    throw new InvalidReportException("volumes: each volume must be an object");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> volume = (Map<String, Object>) v;
                String volumeId = text(volume, "volumeId", false);
                if (volumeId != null) {
                    volumeIds.add(volumeId);
                }
                Map<String, Object> windows = object(volume, "windows");
                String name = windows == null ? null : text(windows, "computerName", false);
                if (computerName == null && name != null && !name.isBlank()) {
                    computerName = name;
                }
                Map<String, Object> bitlocker = object(volume, "bitlocker");
                String keyId = bitlocker == null ? null : text(bitlocker, "recoveryKeyId", false);
                if (keyId != null && KEY_ID.matcher(keyId).matches()) {
                    String id = keyId.replace("{", "").replace("}", "").toUpperCase(Locale.ROOT);
                    if (Boolean.TRUE.equals(bitlocker.get("recoveryPasswordUsed"))) {
                        usedKeys.add(new UsedKey(id, text(bitlocker, "keySource", false)));
                    }
                    if ("locked".equals(bitlocker.get("state")) && !neededKeyIds.contains(id)) {
                        neededKeyIds.add(id);
                    }
                }
            }
        }
        // the crash facts: what passes the checks is kept, the rest left out; never a reason to refuse the run's outcome
        ReportDiagnosis diagnosis = volumes == null ? ReportDiagnosis.NONE : ReportDiagnosis.of((List<?>) volumes);
        String identity = identity(runId, computerName, realSerial(bios), vm, volumeIds);
        String machineId = Sha256.of(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
        return new ReportSummary(runId, machineId, identity, computerName, bios, vm, List.copyOf(volumeIds), outcome, mode, agentVersion,
                finishedAt, List.copyOf(usedKeys), List.copyOf(neededKeyIds), diagnosis);
    }

    /**
     * The machine a report belongs to: its computer name plus the strongest hardware identity the
     * agent could read (hypervisor VM id, then BIOS serial, then the volume id): cloned VMs share
     * names and templates share volume ids, so the name alone is not enough.
     */
    static String identity(String runId, String computerName, String biosSerial, String vmId, List<String> volumeIds) {
        String hardware = vmId != null && !vmId.isBlank() ? "vm:" + vmId.toLowerCase(Locale.ROOT)
                : biosSerial != null ? "bios:" + biosSerial
                : !volumeIds.isEmpty() ? "vol:" + volumeIds.get(0).toLowerCase(Locale.ROOT)
                : null;
        String name = computerName == null ? null : "name:" + computerName.toUpperCase(Locale.ROOT);
        if (name == null && hardware == null) {
            return "run:" + runId; // nothing identifies the machine: it stands alone
        }
        return name == null ? hardware : hardware == null ? name : name + "|" + hardware;
    }

    static String realSerial(String serial) {
        return serial == null || PLACEHOLDER_SERIALS.contains(serial.trim().toLowerCase(Locale.ROOT)) ? null : serial.trim();
    }

    private static String text(Map<String, Object> m, String field, boolean required) throws InvalidReportException {
        Object v = m.get(field);
        if (v == null) {
            if (required) {
                throw new InvalidReportException(field + " is missing");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new InvalidReportException(field + " must be a string");
        }
        if (s.length() > MAX_TEXT) {
            throw new InvalidReportException(field + " is longer than " + MAX_TEXT + " characters");
        }
        if (s.indexOf('\0') >= 0) {
            // PostgreSQL cannot store U+0000 in text; refused here so both databases answer alike, with a 400 the agent does not retry
            throw new InvalidReportException(field + " holds a NUL character (U+0000)");
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> m, String field) throws InvalidReportException {
        Object v = m.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map)) {
            throw new InvalidReportException(field + " must be an object");
        }
        return (Map<String, Object>) v;
    }

    private static long instant(Map<String, Object> m, String field) throws InvalidReportException {
        String s = text(m, field, true);
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) { // ArithmeticException: a year too large for milliseconds
            throw new InvalidReportException(field + " must be an ISO-8601 UTC time such as 2024-07-19T05:30:00Z");
        }
    }
}
