package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.AuditLog;
import io.bootmedic.collector.store.CrashQueries;
import io.bootmedic.collector.store.FleetQueries;
import io.bootmedic.collector.store.KeyEscrow;
import io.bootmedic.collector.store.ReportStore;
import io.bootmedic.collector.store.ReportSummary;
import io.bootmedic.format.ErrorWords;
import io.bootmedic.keys.KeyFileReader;
import io.bootmedic.keys.KeyId;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The JSON API of docs/design.md §8. */
final class ApiRoutes {
    /** A real report is a few KiB (64 volumes at most); a cap keeps one token from filling the database and each history page small. */
    static final int MAX_REPORT_BYTES = 256 << 10;
    /**
     * How far an agent's clock may run ahead of the collector's. WinPE sticks boot machines whose
     * clocks were never set or sit in another time zone's local time; a day covers both, and a time
     * further ahead is refused as a wrong clock. Within it the agent's time is information only:
     * a machine's latest state is the report the collector received last, so no clock pins it.
     */
    static final long CLOCK_SKEW_MILLIS = 24 * 3_600_000L;
    static final int MAX_IMPORT_BYTES = 64 << 20;
    private final ReportStore reports;
    private final FleetQueries fleet;
    private final KeyEscrow escrow;
    private final AuditLog audit;
    private final Metrics metrics;
    private final RateLimiter keyRate;
    private final KeyGate keys;
    private final ReadinessRoutes readiness;
    private final PlaybookRoutes playbooks;
    private final EnrolRoutes enrol;
    private final CrashQueries crashes;

    ApiRoutes(ReportStore reports, FleetQueries fleet, KeyEscrow escrow, AuditLog audit, Metrics metrics, RateLimiter keyRate, ReadinessRoutes readiness,
              PlaybookRoutes playbooks, EnrolRoutes enrol, KeyGate keys) {
        this(reports, fleet, escrow, audit, metrics, keyRate, readiness, playbooks, enrol, keys, null);
    }

    ApiRoutes(ReportStore reports, FleetQueries fleet, KeyEscrow escrow, AuditLog audit, Metrics metrics, RateLimiter keyRate, ReadinessRoutes readiness,
              PlaybookRoutes playbooks, EnrolRoutes enrol, KeyGate keys, CrashQueries crashes) {
        this.crashes = crashes;
        this.keys = keys;
        this.enrol = enrol;
        this.playbooks = playbooks;
        this.readiness = readiness;
        this.reports = reports;
        this.fleet = fleet;
        this.escrow = escrow;
        this.audit = audit;
        this.metrics = metrics;
        this.keyRate = keyRate;
    }

    void handle(Exchange ex, String path, Tokens.Principal who) throws Exception {
        String method = ex.method();
        if (playbooks != null && PlaybookRoutes.handles(path)) {
            playbooks.handle(ex, path, who);
        } else if (path.equals("/api/v1/enrol")) {
            requireRole(who, Tokens.Role.AGENT);
            expect(method, "POST");
            enrol.post(ex, who);
        } else if (path.equals("/api/v1/reports")) {
            requireRole(who, Tokens.Role.AGENT);
            expect(method, "POST");
            postReport(ex, who);
        } else if (path.startsWith("/api/v1/keys/") && !path.equals("/api/v1/keys/import")) {
            requireRole(who, Tokens.Role.AGENT); // roles are exact: the admin token releases no key
            expect(method, "GET");
            releaseKey(ex, path.substring("/api/v1/keys/".length()), who);
        } else if (path.equals("/api/v1/readiness") && method.equals("POST")) {
            requireRole(who, Tokens.Role.AGENT);
            readiness.post(ex, who);
        } else {
            requireRole(who, Tokens.Role.ADMIN);
            if (path.equals("/api/v1/machines")) {
                expect(method, "GET");
                listMachines(ex);
            } else if (path.startsWith("/api/v1/machines/")) {
                expect(method, "GET");
                machine(ex, path.substring("/api/v1/machines/".length()));
            } else if (path.equals("/api/v1/keys/import")) {
                expect(method, "POST");
                importKeys(ex, who);
            } else if (path.equals("/api/v1/readiness")) {
                expect(method, "GET");
                readiness.list(ex);
            } else if (path.equals("/api/v1/crashes") && crashes != null) {
                expect(method, "GET");
                CrashPage.Query query = CrashPage.Query.of(HttpIo.params(ex.rawQuery()));
                HttpIo.json(ex, 200, CrashPage.json(crashes.cached(System.currentTimeMillis(), query.hours(), query.filter(), CrashPage.TOP,
                        HttpIo.intParam(HttpIo.params(ex.rawQuery()), "pendingLimit", CrashPage.PENDING_ROWS, 1, 5000))));
            } else if (path.equals("/api/v1/audit")) {
                expect(method, "GET");
                audit(ex);
            } else {
                throw new HttpIo.HttpError(404, "no such API route: " + path);
            }
        }
    }

    private static void requireRole(Tokens.Principal who, Tokens.Role role) {
        if (who.role() != role) {
            throw new HttpIo.HttpError(403, role == Tokens.Role.ADMIN
                    ? "this route needs the admin token; the agent token may only send reports and fetch keys"
                    : "this route needs an agent token (agent.conf); the admin and metrics tokens may not send reports or readiness, or fetch keys");
        }
    }

    /** 405 unless the request used {@code wanted}; every route class of the API answers a wrong method the same way. */
    static void expect(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new HttpIo.HttpError(405, "use " + wanted);
        }
    }

    private void postReport(Exchange ex, Tokens.Principal who) throws Exception {
        byte[] body = HttpIo.readBody(ex, MAX_REPORT_BYTES);
        ReportSummary summary;
        try {
            StrictJson.check(body);
            summary = ReportSummary.parse(body);
        } catch (ReportSummary.InvalidReportException e) {
            metrics.count("bootmedic_reports_received_total", "result", "rejected");
            throw new HttpIo.HttpError(400, "not a valid bootmedic.report/v1: " + e.getMessage());
        }
        if (who.machine() != null && summary.computerName() != null && !summary.computerName().strip().equalsIgnoreCase(who.machine().computerName())) {
            // one machine's token speaks for that machine only: it cannot file reports, or fake outcomes, for others
            metrics.count("bootmedic_reports_received_total", "result", "not_this_machine");
            throw new HttpIo.HttpError(403, "this token belongs to machine " + who.machine().computerName() + " and sends its reports only (the report is of "
                    + summary.computerName() + ")");
        }
        long now = System.currentTimeMillis();
        if (summary.finishedAt() > now + CLOCK_SKEW_MILLIS) {
            metrics.count("bootmedic_reports_received_total", "result", "rejected");
            throw new HttpIo.HttpError(400, "not a valid bootmedic.report/v1: finishedAt " + Instant.ofEpochMilli(summary.finishedAt())
                    + " is more than 24 hours ahead of the collector's clock (" + Instant.ofEpochMilli(now) + "); set the machine's clock");
        }
        ReportStore.Result result = reports.ingest(summary, body, now);
        metrics.count("bootmedic_reports_received_total", "result", result.name().toLowerCase(java.util.Locale.ROOT));
        if (result == ReportStore.Result.CREATED) {
            metrics.count("bootmedic_report_outcomes_total", "outcome", summary.outcome());
            // an agent whose diagnosis the collector cannot read (another version of the contract) shows here, not as refused reports
            metrics.count("bootmedic_report_diagnosis_total", "result", summary.diagnosis() == io.bootmedic.collector.store.ReportDiagnosis.NONE ? "none"
                    : summary.diagnosis().dropped() > 0 ? "partly_left_out" : "read");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", summary.runId());
        m.put("machineId", summary.machineId());
        m.put("status", result == ReportStore.Result.CREATED ? "created" : "already received");
        HttpIo.json(ex, result == ReportStore.Result.CREATED ? 201 : 200, m);
    }

    private void releaseKey(Exchange ex, String keyIdText, Tokens.Principal who) throws Exception {
        String keyId = HttpIo.decode(keyIdText);
        try {
            KeyId.parse(keyId); // whole key IDs only: prefixes would let a caller enumerate the escrow
        } catch (IllegalArgumentException e) {
            throw new HttpIo.HttpError(400, "give a whole key ID (a GUID such as 64311DEA-4587-4029-924A-BA299647998E)");
        }
        long now = System.currentTimeMillis();
        // the rate limit comes first: a request it refuses costs no audit write, whatever else is wrong with it
        long wait = keyRate.acquire(who.actor(), now);
        if (wait > 0) {
            metrics.count("bootmedic_key_releases_total", "result", "rate_limited");
            ex.setHeader("Retry-After", String.valueOf(wait));
            throw new HttpIo.HttpError(429, "too many key requests for this token; retry in " + wait + " s");
        }
        String normalized = KeyId.normalize(keyId);
        KeyGate.Decision decision = keys.decide(who, normalized);
        if (decision instanceof KeyGate.Refuse r) {
            // nothing leaves, so refusals are counted, one audit row per token, reason and minute, not written one by one
            try {
                audit.countRefusal(now, who.actor(), r.auditAction(), normalized, HttpIo.remote(ex), r.auditDetail());
            } catch (java.sql.SQLException | RuntimeException e) {
                System.err.println("collector: audit write failed for a refused key request: " + ErrorWords.message(e));
            }
            metrics.count("bootmedic_key_releases_total", "result", r.metric());
            throw new HttpIo.HttpError(403, r.message());
        }
        String reason = ((KeyGate.Allow) decision).reason();
        Optional<KeyEscrow.Released> released;
        try {
            released = escrow.release(keyId, who.actor(), HttpIo.remote(ex), now, reason);
        } catch (AuditLog.AuditUnavailableException e) {
            metrics.count("bootmedic_key_releases_total", "result", "audit_failed");
            System.err.println("collector: audit write failed, key " + KeyId.normalize(keyId) + " withheld: " + ErrorWords.message(e.getCause()));
            ex.setHeader("Retry-After", "30"); // agents back off instead of hammering a collector whose database is down
            throw new HttpIo.HttpError(503, "the audit log cannot be written, so no key is released; the collector's operator must fix its database");
        }
        if (released.isEmpty()) {
            metrics.count("bootmedic_key_releases_total", "result", "not_found");
            throw new HttpIo.HttpError(404, "no recovery password is escrowed for key ID {" + KeyId.normalize(keyId) + "}; import the export that holds it");
        }
        metrics.count("bootmedic_key_releases_total", "result", "released");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keyId", released.get().keyId());
        m.put("host", released.get().host());
        m.put("recoveryPassword", released.get().password());
        HttpIo.json(ex, 200, m);
    }

    private void listMachines(Exchange ex) throws Exception {
        Map<String, String> q = HttpIo.params(ex.rawQuery());
        String outcome = q.get("outcome");
        if (outcome != null && !outcome.isBlank() && !ReportSummary.OUTCOMES.contains(outcome)) {
            throw new HttpIo.HttpError(400, "outcome must be fixed, clean, needs-key, failed or no-windows");
        }
        int page = HttpIo.intParam(q, "page", 1, 1, Integer.MAX_VALUE / 1000);
        int size = HttpIo.intParam(q, "pageSize", 100, 1, 1000);
        FleetQueries.Page p = fleet.machines(new FleetQueries.Filter(outcome, q.get("q")), page, size);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (FleetQueries.Machine m : p.machines()) {
            rows.add(machineJson(m));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", p.total());
        out.put("page", p.page());
        out.put("pageSize", p.pageSize());
        out.put("machines", rows);
        HttpIo.json(ex, 200, out);
    }

    private void machine(Exchange ex, String id) throws Exception {
        if (!id.matches("[0-9a-f]{32}")) {
            throw new HttpIo.HttpError(404, "no such machine");
        }
        Optional<FleetQueries.Machine> m = fleet.machine(id);
        if (m.isEmpty()) {
            throw new HttpIo.HttpError(404, "no such machine");
        }
        Map<String, String> q = HttpIo.params(ex.rawQuery());
        int page = HttpIo.intParam(q, "page", 1, 1, 1_000_000);
        int size = HttpIo.intParam(q, "pageSize", FleetQueries.MAX_HISTORY_PAGE, 1, FleetQueries.MAX_HISTORY_PAGE);
        List<Map<String, Object>> history = new ArrayList<>();
        for (FleetQueries.StoredReport r : fleet.history(id, (page - 1) * size, size)) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("runId", r.runId());
            h.put("receivedAt", Instant.ofEpochMilli(r.receivedAt()).toString());
            h.put("outcome", r.outcome());
            h.put("report", Json.readObject(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            history.add(h);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("machine", machineJson(m.get()));
        out.put("total", m.get().reportCount());
        out.put("page", page);
        out.put("pageSize", size);
        out.put("reports", history);
        HttpIo.json(ex, 200, out);
    }

    static Map<String, Object> machineJson(FleetQueries.Machine m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", m.id());
        j.put("computerName", m.computerName());
        j.put("biosSerial", m.biosSerial());
        j.put("hypervisorVmId", m.vmId());
        j.put("volumeIds", m.volumeIds() == null ? List.of() : List.of(m.volumeIds().split(",")));
        j.put("outcome", m.latestOutcome());
        j.put("latestRunId", m.latestRunId());
        j.put("latestRunAt", Instant.ofEpochMilli(m.latestAt()).toString());
        j.put("firstSeen", Instant.ofEpochMilli(m.firstSeen()).toString());
        j.put("lastSeen", Instant.ofEpochMilli(m.lastSeen()).toString());
        j.put("reports", m.reportCount());
        j.put("neededKeyIds", m.neededKeyIds());
        return j;
    }

    private void importKeys(Exchange ex, Tokens.Principal who) throws Exception {
        Map<String, String> q = HttpIo.params(ex.rawQuery());
        String name = q.getOrDefault("name", "upload");
        if (!name.matches("[\\w .,()+-]{1,100}")) {
            name = "upload";
        }
        byte[] body = HttpIo.readBody(ex, MAX_IMPORT_BYTES);
        KeyFileReader.Result parsed;
        try {
            parsed = KeyFileReader.read(body, name);
        } catch (IOException | RuntimeException e) {
            throw new HttpIo.HttpError(400, "not a recovery-key export this collector can read (AD LDIF/CSV, Graph JSON, MBAM, CSV): "
                    + withoutSecrets(e.getMessage()));
        }
        KeyEscrow.ImportCounts counts;
        try {
            counts = escrow.importKeys(parsed.records(), who.actor(), HttpIo.remote(ex), name, System.currentTimeMillis());
        } catch (AuditLog.AuditUnavailableException e) {
            throw new HttpIo.HttpError(503, "the audit log cannot be written, so nothing was imported");
        }
        metrics.count("bootmedic_keys_imported_total", "result", "imported");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("imported", counts.imported());
        out.put("updated", counts.updated());
        out.put("unchanged", counts.unchanged());
        List<Map<String, Object>> rejected = new ArrayList<>();
        for (KeyFileReader.RowProblem p : parsed.problems()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("line", p.line());
            r.put("reason", withoutSecrets(p.reason())); // a parser's reason may quote the row, digits and all
            rejected.add(r);
        }
        out.put("rejected", rejected);
        HttpIo.json(ex, 200, out);
    }

    /**
     * A parser's message may quote the input (JSON parsers show the text near the error), and the
     * input is full of recovery passwords: drop any quoted source and every run of 4 or more digits.
     */
    static String withoutSecrets(String message) {
        if (message == null) {
            return "unreadable";
        }
        String m = message;
        int source = m.indexOf("[Source:");
        if (source >= 0) {
            m = m.substring(0, source);
        }
        m = m.replaceAll("[0-9][0-9-]{3,}", "…").replaceAll("\\s+", " ").trim();
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }

    private void audit(Exchange ex) throws Exception {
        Map<String, String> q = HttpIo.params(ex.rawQuery());
        int page = HttpIo.intParam(q, "page", 1, 1, 100_000);
        int size = HttpIo.intParam(q, "pageSize", 100, 1, 1000);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AuditLog.Entry e : audit.recent((page - 1) * size, size)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("at", Instant.ofEpochMilli(e.at()).toString());
            r.put("actor", e.actor());
            r.put("action", e.action());
            r.put("keyId", e.keyId());
            r.put("remote", e.remote());
            r.put("detail", e.detail());
            r.put("count", e.count());
            rows.add(r);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("page", page);
        out.put("entries", rows);
        HttpIo.json(ex, 200, out);
    }
}
