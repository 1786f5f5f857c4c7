package io.bootmedic.collector.http;

import io.bootmedic.collector.Armed;
import io.bootmedic.collector.KnownKeys;
import io.bootmedic.collector.Readiness;
import io.bootmedic.collector.store.ReadinessStore;
import io.bootmedic.collector.store.ReportSummary;
import io.bootmedic.util.AgentVersion;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@code POST /api/v1/readiness} (agent token) and {@code GET /api/v1/readiness} (admin): docs/design.md §8. */
final class ReadinessRoutes {
    private final ReadinessStore store;
    private final Supplier<KnownKeys> knownKeys;
    private final Metrics metrics;
    /** Per agent token: one token serves a whole fleet's staging, and without a limit it could write fake machines as fast as it can send. */
    private final RateLimiter rate;

    ReadinessRoutes(ReadinessStore store, Supplier<KnownKeys> knownKeys, Metrics metrics, RateLimiter rate) {
        this.store = store;
        this.knownKeys = knownKeys;
        this.metrics = metrics;
        this.rate = rate;
    }

    void post(Exchange ex, io.bootmedic.collector.Tokens.Principal who) throws Exception {
        long wait = rate.acquire(who.actor(), System.currentTimeMillis());
        if (wait > 0) {
            metrics.count("bootmedic_readiness_received_total", "result", "rate_limited");
            ex.setHeader("Retry-After", String.valueOf(wait));
            ex.closeAfter(); // the body is not read
            throw new HttpIo.HttpError(429, "too many readiness reports for this token; retry in " + wait + " s "
                    + "(or raise 'collector serve --readiness-rate' for a large fleet's staging)");
        }
        byte[] body = HttpIo.readBody(ex, Readiness.MAX_BYTES);
        Readiness r;
        try {
            StrictJson.check(body);
            r = Readiness.parse(body);
        } catch (ReportSummary.InvalidReportException | Readiness.InvalidReadinessException e) {
            metrics.count("bootmedic_readiness_received_total", "result", "rejected");
            throw new HttpIo.HttpError(400, "not a valid " + Readiness.SCHEMA + ": " + e.getMessage());
        }
        if (who.machine() != null && !r.computerName().equalsIgnoreCase(who.machine().computerName())) {
            metrics.count("bootmedic_readiness_received_total", "result", "not_this_machine");
            throw new HttpIo.HttpError(403, "this token belongs to machine " + who.machine().computerName() + " and sends its readiness only (the body is of "
                    + r.computerName() + ")");
        }
        long now = System.currentTimeMillis();
        if (r.reportedAt() > now + ApiRoutes.CLOCK_SKEW_MILLIS) {
            metrics.count("bootmedic_readiness_received_total", "result", "rejected");
            throw new HttpIo.HttpError(400, "not a valid " + Readiness.SCHEMA + ": reportedAt " + Instant.ofEpochMilli(r.reportedAt())
                    + " is more than 24 hours ahead of the collector's clock (" + Instant.ofEpochMilli(now) + "); set the machine's clock");
        }
        String id = store.record(r, now);
        metrics.count("bootmedic_readiness_received_total", "result", "stored");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("machineId", id);
        m.put("status", "stored");
        HttpIo.json(ex, 201, m);
    }

    /** The fleet's readiness as the dashboard's "Armed" page sees it. */
    record Fleet(String currentVersion, KnownKeys knownKeys, List<ReadinessStore.Stored> machines, long now) {
        Fleet(String currentVersion, KnownKeys knownKeys, List<ReadinessStore.Stored> machines) {
            this(currentVersion, knownKeys, machines, System.currentTimeMillis());
        }

        long armed() {
            return machines.stream().filter(s -> Armed.reasons(s.readiness(), currentVersion, knownKeys.ids()).isEmpty()).count();
        }

        /** Machines whose staging was refused for lack of room: growing the partition, not staging again, fixes them. */
        long refusedNoRoom() {
            return machines.stream().filter(s -> s.readiness().refusedNoRoom()).count();
        }

        /** Machines not heard from for {@link Armed#STALE_AFTER_MILLIS}: an update may have dropped the hook since. */
        long stale() {
            return machines.stream().filter(s -> Armed.stale(s.receivedAt(), now)).count();
        }
    }

    Fleet fleet() throws java.sql.SQLException {
        return new Fleet(AgentVersion.get(), knownKeys.get(), store.all());
    }

    void list(Exchange ex) throws Exception {
        Fleet f = fleet();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ReadinessStore.Stored s : f.machines()) {
            Readiness r = s.readiness();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("machineId", s.machineId());
            j.put("computerName", r.computerName());
            j.put("biosSerial", r.biosSerial());
            j.put("vmId", r.vmId());
            j.put("agentVersion", r.agentVersion());
            j.put("trustedKeys", r.trustedKeys());
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("state", r.state().wire());
            w.put("staged", r.staged());
            w.put("freeBytes", r.freeBytes());
            w.put("location", r.location());
            w.put("refused", r.refusedNoRoom() ? Readiness.NO_ROOM : null);
            j.put("winre", w);
            j.put("reportedAt", Instant.ofEpochMilli(r.reportedAt()).toString());
            j.put("receivedAt", Instant.ofEpochMilli(s.receivedAt()).toString());
            j.put("ageSeconds", Math.max(0, (f.now() - s.receivedAt()) / 1000));
            j.put("stale", Armed.stale(s.receivedAt(), f.now()));
            List<Armed.Reason> why = Armed.reasons(r, f.currentVersion(), f.knownKeys().ids());
            j.put("armed", why.isEmpty());
            j.put("notArmedBecause", why.stream().map(x -> x.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList());
            j.put("lowOnSpace", Armed.lowOnSpace(r));
            rows.add(j);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("currentAgentVersion", f.currentVersion());
        out.put("knownKeys", List.copyOf(new java.util.TreeSet<>(f.knownKeys().ids())));
        out.put("total", f.machines().size());
        out.put("armed", f.armed());
        out.put("refusedNoRoom", f.refusedNoRoom());
        out.put("stale", f.stale());
        out.put("machines", rows);
        HttpIo.json(ex, 200, out);
    }
}
