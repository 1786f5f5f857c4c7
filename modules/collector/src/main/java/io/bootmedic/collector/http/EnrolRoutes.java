package io.bootmedic.collector.http;

import io.bootmedic.collector.Enrolment;
import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.MachineTokens;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/v1/enrol} (docs/self-healing.md §1): a machine being armed trades the fleet's
 * enrolment token for a token of its own, bound to its identity and BitLocker key IDs. A machine's
 * own token cannot enrol: whoever holds one disk must not be able to mint credentials for others.
 */
final class EnrolRoutes {
    private final MachineTokens tokens;
    private final Metrics metrics;
    /** Per enrolling token: a fleet's staging is spread over hours; without a limit one token could mint machines as fast as it can send. */
    private final RateLimiter rate;

    EnrolRoutes(MachineTokens tokens, Metrics metrics, RateLimiter rate) {
        this.tokens = tokens;
        this.metrics = metrics;
        this.rate = rate;
    }

    void post(Exchange ex, Tokens.Principal who) throws Exception {
        if (who.machine() != null) {
            metrics.count("bootmedic_enrolments_total", "result", "machine_token");
            throw new HttpIo.HttpError(403, "a machine's own token cannot enrol machines; arming uses the fleet's enrolment token "
                    + "(bootmedic collector token add --role agent --enrolment)");
        }
        long now = System.currentTimeMillis();
        long wait = rate.acquire(who.actor(), now);
        if (wait > 0) {
            metrics.count("bootmedic_enrolments_total", "result", "rate_limited");
            ex.setHeader("Retry-After", String.valueOf(wait));
            ex.closeAfter();
            throw new HttpIo.HttpError(429, "too many enrolments for this token; retry in " + wait + " s "
                    + "(or raise 'collector serve --readiness-rate' for a large fleet's staging)");
        }
        byte[] body = HttpIo.readBody(ex, Enrolment.MAX_BYTES);
        Enrolment e;
        try {
            StrictJson.check(body);
            e = Enrolment.parse(body);
        } catch (Enrolment.InvalidEnrolmentException | io.bootmedic.collector.store.ReportSummary.InvalidReportException x) {
            metrics.count("bootmedic_enrolments_total", "result", "rejected");
            throw new HttpIo.HttpError(400, "not a valid " + Enrolment.SCHEMA + ": " + x.getMessage());
        }
        MachineTokens.Result r = tokens.enrol(e, who.actor(), HttpIo.remote(ex), now);
        if (r instanceof MachineTokens.Refused refused) {
            metrics.count("bootmedic_enrolments_total", "result", "conflict");
            throw new HttpIo.HttpError(409, "machine " + e.computerName() + " not enrolled: " + refused.message());
        }
        MachineTokens.Enrolled done = (MachineTokens.Enrolled) r;
        metrics.count("bootmedic_enrolments_total", "result", "enrolled");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", done.token());
        m.put("tokenId", done.tokenId());
        m.put("machineId", done.machineId());
        m.put("keyIds", e.keyIds());
        m.put("replaced", done.replaced());
        ex.setHeader("Cache-Control", "no-store");
        HttpIo.json(ex, 201, m);
    }
}
