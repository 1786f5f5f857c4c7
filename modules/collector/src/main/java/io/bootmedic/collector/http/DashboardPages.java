package io.bootmedic.collector.http;

import io.bootmedic.collector.store.AuditLog;
import io.bootmedic.collector.store.FleetQueries;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's pages as pure functions of the data they show: no request, no database, so
 * each can be tested on its own (escaping what agents sent above all). {@link Dashboard} asks the
 * database and sends the result.
 */
final class DashboardPages {
    static final int AUDIT_PAGE = 100;

    private DashboardPages() {
    }

    /** The login form; {@code error} (escaped here) says why the last try was refused. */
    static String loginForm(String error) {
        return "<div class=\"login\"><h1>Log in</h1>"
                + (error == null ? "" : "<p class=\"error\" id=\"login-error\">" + Html.esc(error) + "</p>")
                + "<form method=\"post\" action=\"/login\"><label for=\"token\">Admin token</label>"
                + "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" autofocus>"
                + "<button id=\"login\" type=\"submit\">Log in</button></form>"
                + "<p class=\"muted\">The admin token was printed once by <code>bootmedic collector init</code> and is kept in admin.token.</p></div>";
    }

    /** Rows the "Armed" page lists; the API has them all. */
    static final int ARMED_ROWS = 500;

    /**
     * How much of the fleet would heal itself: machines whose WinRE holds the current agent, is on
     * and trusts a known playbook key; then the unarmed with why and what to do, and the armed
     * whose recovery partition is too small for the next WinRE update.
     */
    static String armed(ReadinessRoutes.Fleet fleet) {
        List<io.bootmedic.collector.store.ReadinessStore.Stored> all = fleet.machines();
        long armed = fleet.armed();
        StringBuilder sb = new StringBuilder("<h1>Armed for self-healing</h1><div class=\"tiles\">")
                .append("<div class=\"tile fixed\"><div class=\"n\" id=\"armed-count\">").append(armed).append("</div>armed</div>")
                .append("<div class=\"tile failed\"><div class=\"n\" id=\"unarmed-count\">").append(all.size() - armed).append("</div>not armed</div>")
                .append("<div class=\"tile\"><div class=\"n\" id=\"armed-total\">").append(all.size()).append("</div>reporting</div>")
                .append("<div class=\"tile needs-key\"><div class=\"n\" id=\"refused-no-room\">").append(fleet.refusedNoRoom())
                .append("</div>refused: no room</div>")
                .append("<div class=\"tile\"><div class=\"n\" id=\"stale-count\">").append(fleet.stale()).append("</div>not heard from in 30 days</div></div>");
        sb.append("<p>Armed: the agent is staged in WinRE (<code>winpe\\stage-winre.ps1</code>), WinRE is enabled, the agent is the current version (<code>")
                .append(Html.esc(fleet.currentVersion())).append("</code>) and it trusts ");
        if (fleet.knownKeys().ids().isEmpty()) {
            sb.append("at least one playbook key (this collector lists none in its <code>trusted-keys</code> folder, so any key counts).</p>");
        } else {
            sb.append("one of the keys in this collector's <code>trusted-keys</code> folder: <span id=\"known-keys\">");
            sb.append(String.join(", ", fleet.knownKeys().ids().stream().sorted().map(k -> "<code>" + Html.esc(k) + "</code>").toList())).append("</span>.</p>");
        }
        for (String problem : fleet.knownKeys().problems()) {
            sb.append("<p class=\"error\">Key file not read: ").append(Html.esc(problem)).append("</p>");
        }
        sb.append("<p class=\"muted\">Only machines that ran stage-winre.ps1 report here; machines that never did are not counted. A report "
                + "older than 30 days may no longer be true (a feature update or a reset rebuilds WinRE without the agent): run "
                + "<code>stage-winre.ps1 -Check</code> as a scheduled task so every machine reports again.</p>");
        StringBuilder unarmed = new StringBuilder();
        StringBuilder lowSpace = new StringBuilder();
        int listed = 0;
        for (io.bootmedic.collector.store.ReadinessStore.Stored s : all) {
            io.bootmedic.collector.Readiness r = s.readiness();
            List<io.bootmedic.collector.Armed.Reason> why = io.bootmedic.collector.Armed.reasons(r, fleet.currentVersion(), fleet.knownKeys().ids());
            String row = "<td>" + Html.esc(r.computerName()) + "</td>";
            String tail = "<td>" + Html.esc(r.agentVersion()) + "</td><td>" + Html.esc(r.state().wire()) + (r.staged() ? ", staged" : ", not staged")
                    + "</td><td>" + mib(r.freeBytes()) + "</td><td" + (io.bootmedic.collector.Armed.stale(s.receivedAt(), fleet.now()) ? " class=\"stale\"" : "")
                    + ">" + age(fleet.now() - s.receivedAt()) + "</td></tr>";
            if (!why.isEmpty() && listed < ARMED_ROWS) {
                listed++;
                unarmed.append("<tr>").append(row).append("<td>").append(String.join("; ", why.stream().map(w -> Html.esc(w.text())).toList()))
                        .append("</td>").append(tail);
            } else if (why.isEmpty() && io.bootmedic.collector.Armed.lowOnSpace(r)) {
                lowSpace.append("<tr>").append(row).append(tail);
            }
        }
        String head = "<th>Agent</th><th>WinRE</th><th>Free on recovery partition</th><th>Last report</th></tr></thead><tbody>";
        sb.append("<h2>Not armed</h2>");
        if (unarmed.isEmpty()) {
            sb.append("<p class=\"muted\" id=\"no-unarmed\">Every reporting machine is armed.</p>");
        } else {
            sb.append("<table id=\"unarmed\"><thead><tr><th>Machine</th><th>Why, and what to do</th>").append(head).append(unarmed).append("</tbody></table>");
            if (all.size() - armed > listed) {
                sb.append("<p class=\"muted\">The first ").append(listed).append(" are shown; GET /api/v1/readiness lists all.</p>");
            }
        }
        if (!lowSpace.isEmpty()) {
            sb.append("<h2>Armed, but the recovery partition is small</h2><p>Less than 250 MB free: the next WinRE update can fail there "
                    + "(KB5034441 failed with 0x80070643). Grow the recovery partition before it is due.</p>")
                    .append("<table id=\"low-space\"><thead><tr><th>Machine</th>").append(head).append(lowSpace).append("</tbody></table>");
        }
        return sb.toString();
    }

    /** How long ago, in the largest whole unit: "5 min ago", "3 h ago", "12 days ago". */
    static String age(long millis) {
        long m = Math.max(0, millis) / 60_000;
        if (m < 60) {
            return m + " min ago";
        }
        if (m < 48 * 60) {
            return (m / 60) + " h ago";
        }
        return (m / (24 * 60)) + " days ago";
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MB";
    }

    /** The fleet overview: counts per outcome, fixes per hour, machines waiting for a key, keys to rotate. */
    static String overview(Map<String, Long> counts, List<FleetQueries.HourCount> hours, List<FleetQueries.Waiting> waiting,
                           List<FleetQueries.Rotation> rotations) {
        StringBuilder sb = new StringBuilder("<h1>Fleet overview</h1><div class=\"tiles\" id=\"counts\">");
        long total = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            total += e.getValue();
            sb.append("<a class=\"tile ").append(Html.esc(e.getKey())).append("\" id=\"count-").append(Html.esc(e.getKey()))
                    .append("\" href=\"/machines?outcome=").append(Html.url(e.getKey())).append("\"><div class=\"n\">").append(e.getValue())
                    .append("</div>").append(Html.esc(e.getKey())).append("</a>");
        }
        sb.append("<a class=\"tile\" href=\"/machines\"><div class=\"n\" id=\"count-all\">").append(total).append("</div>all machines</a></div>");
        sb.append("<h2>Fixes per hour (last 24 hours, UTC)</h2>").append(chart(hours));
        if (!waiting.isEmpty()) {
            sb.append("<h2>Waiting for a recovery key</h2><p>These machines stopped at BitLocker. A key marked <em>in escrow</em> is "
                    + "released to the agent on its next boot with agent.conf; for the others, import the export that holds them "
                    + "(<code>bootmedic keys import FILE --config agent.conf --admin-token-file admin.token</code>).</p>");
            sb.append("<table id=\"waiting\"><thead><tr><th>Machine</th><th>Recovery key ID</th><th>Escrow</th><th>Last report</th></tr></thead><tbody>");
            for (FleetQueries.Waiting w : waiting) {
                for (Map.Entry<String, Boolean> k : w.keyEscrowed().entrySet()) {
                    sb.append("<tr><td><a href=\"/machines/").append(Html.esc(w.machine().id())).append("\">")
                            .append(Html.esc(w.machine().computerName() == null ? w.machine().id() : w.machine().computerName()))
                            .append("</a></td><td><code>{").append(Html.esc(k.getKey())).append("}</code></td><td>")
                            .append(k.getValue() ? "in escrow" : "<span class=\"error\">not imported</span>").append("</td><td>")
                            .append(Html.time(w.machine().lastSeen())).append("</td></tr>");
                }
            }
            sb.append("</tbody></table>");
        }
        sb.append("<h2>Rotate these recovery keys</h2>");
        if (rotations.isEmpty()) {
            sb.append("<p class=\"muted\">No recovery password has been used yet.</p>");
        } else {
            sb.append("<p>A recovery password that was typed, released or read from a file has been seen; create a new one "
                    + "(<code>manage-bde -protectors -add C: -RecoveryPassword</code>, then delete the old protector) once the machine runs.</p>");
            sb.append("<table id=\"rotate\"><thead><tr><th>Key ID</th><th>Machine</th><th>How it was obtained</th><th>Reported</th></tr></thead><tbody>");
            for (FleetQueries.Rotation r : rotations) {
                sb.append("<tr><td><code>{").append(Html.esc(r.keyId())).append("}</code></td><td><a href=\"/machines/").append(Html.esc(r.machineId()))
                        .append("\">").append(Html.esc(r.computerName() == null ? r.machineId() : r.computerName())).append("</a></td><td>")
                        .append(Html.esc(r.keySource())).append("</td><td>").append(Html.time(r.reportedAt())).append("</td></tr>");
            }
            sb.append("</tbody></table>");
        }
        return sb.toString();
    }

    /** A bar chart as inline SVG: no script, nothing for the content security policy to allow. */
    static String chart(List<FleetQueries.HourCount> hours) {
        long max = Math.max(1, hours.stream().mapToLong(FleetQueries.HourCount::count).max().orElse(1));
        int w = 720;
        int h = 160;
        int bar = w / Math.max(1, hours.size());
        StringBuilder sb = new StringBuilder("<svg class=\"chart\" id=\"fixes-chart\" role=\"img\" aria-label=\"fixes per hour\" width=\"")
                .append(w).append("\" height=\"").append(h + 20).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h + 20).append("\">");
        for (int i = 0; i < hours.size(); i++) {
            FleetQueries.HourCount c = hours.get(i);
            int bh = (int) Math.round((double) c.count() / max * (h - 14));
            sb.append("<rect x=\"").append(i * bar + 2).append("\" y=\"").append(h - bh).append("\" width=\"").append(bar - 4)
                    .append("\" height=\"").append(bh).append("\"><title>").append(Html.time(c.hourStart())).append(": ")
                    .append(c.count()).append(" fixed</title></rect>");
            if (c.count() > 0) {
                sb.append("<text x=\"").append(i * bar + 3).append("\" y=\"").append(h - bh - 3).append("\">").append(c.count()).append("</text>");
            }
            if (i % 3 == 0) {
                sb.append("<text x=\"").append(i * bar + 2).append("\" y=\"").append(h + 14).append("\">")
                        .append(hourOfDay(c.hourStart())).append("</text>");
            }
        }
        return sb.append("</svg>").toString();
    }

    /** "HH:MM" of a time, or "" when there is none (Html.time gives "" for 0: the axis must not throw on it). */
    static String hourOfDay(long millis) {
        String t = Html.time(millis);
        return t.length() >= 16 ? t.substring(11, 16) : "";
    }

    /** The machine table: one page {@code p} of the machines matching {@code outcome} and {@code search}. */
    static String machines(String outcome, String search, int page, FleetQueries.Page p) {
        StringBuilder sb = new StringBuilder("<h1>Machines</h1><form class=\"search\" method=\"get\" action=\"/machines\">")
                .append("<input id=\"search\" name=\"q\" placeholder=\"computer name, serial, VM id\" value=\"").append(Html.esc(search)).append("\">")
                .append("<select id=\"outcome\" name=\"outcome\"><option value=\"\">any outcome</option>");
        for (String o : io.bootmedic.collector.store.ReportSummary.OUTCOMES) {
            sb.append("<option").append(o.equals(outcome) ? " selected" : "").append(">").append(o).append("</option>");
        }
        String filterQuery = "q=" + Html.url(search) + "&outcome=" + Html.url(outcome);
        sb.append("</select> <button id=\"filter\" type=\"submit\">Filter</button> <a id=\"csv\" href=\"/machines.csv?").append(Html.esc(filterQuery))
                .append("\">Export CSV</a></form>");
        sb.append("<p class=\"muted\" id=\"total\">").append(p.total()).append(" machine").append(p.total() == 1 ? "" : "s").append("</p>");
        sb.append("<table id=\"machines\"><thead><tr><th>Computer</th><th>Outcome</th><th>Last report</th><th>Reports</th>")
                .append("<th>BIOS serial</th><th>VM id</th></tr></thead><tbody>");
        for (FleetQueries.Machine m : p.machines()) {
            sb.append("<tr><td><a href=\"/machines/").append(m.id()).append("\">").append(Html.esc(m.computerName() == null ? "(unknown) " + m.id() : m.computerName()))
                    .append("</a></td><td class=\"outcome outcome-").append(Html.esc(m.latestOutcome())).append("\">").append(Html.esc(m.latestOutcome()))
                    .append("</td><td>").append(Html.time(m.lastSeen())).append("</td><td>").append(m.reportCount()).append("</td><td>")
                    .append(Html.esc(m.biosSerial())).append("</td><td>").append(Html.esc(m.vmId())).append("</td></tr>");
        }
        sb.append("</tbody></table><div class=\"pager\">");
        if (page > 1) {
            sb.append("<a id=\"prev\" href=\"/machines?").append(Html.esc(filterQuery)).append("&amp;page=").append(page - 1).append("\">← newer</a>");
        }
        sb.append("<span>page ").append(page).append(" of ").append(p.pages()).append("</span>");
        if (page < p.pages()) {
            sb.append("<a id=\"next\" href=\"/machines?").append(Html.esc(filterQuery)).append("&amp;page=").append(page + 1).append("\">older →</a>");
        }
        return sb.append("</div>").toString();
    }

    /** One machine: its facts and one page of its report history (newest first). */
    static String machine(FleetQueries.Machine m, int page, int pageSize, List<FleetQueries.StoredReport> history) {
        StringBuilder sb = new StringBuilder("<h1 id=\"machine-name\">").append(Html.esc(m.computerName() == null ? "(unknown computer)" : m.computerName()))
                .append("</h1><table class=\"facts\"><tbody>")
                .append("<tr><th>Latest outcome</th><td class=\"outcome outcome-").append(Html.esc(m.latestOutcome())).append("\" id=\"machine-outcome\">")
                .append(Html.esc(m.latestOutcome())).append("</td></tr>")
                .append("<tr><th>BIOS serial</th><td>").append(Html.esc(m.biosSerial())).append("</td></tr>")
                .append("<tr><th>VM id</th><td>").append(Html.esc(m.vmId())).append("</td></tr>")
                .append("<tr><th>Volumes</th><td>").append(Html.esc(m.volumeIds())).append("</td></tr>")
                .append("<tr><th>First seen</th><td>").append(Html.time(m.firstSeen())).append("</td></tr>")
                .append("<tr><th>Last report</th><td>").append(Html.time(m.lastSeen())).append("</td></tr></tbody></table>");
        sb.append("<h2>Report history</h2><table id=\"history\"><thead><tr><th>Received</th><th>Run</th><th>Mode</th><th>Outcome</th>")
                .append("<th>What was done</th></tr></thead><tbody>");
        for (FleetQueries.StoredReport r : history) {
            sb.append("<tr><td>").append(Html.time(r.receivedAt())).append("</td><td><code>").append(Html.esc(r.runId())).append("</code></td><td>")
                    .append(Html.esc(r.mode())).append("</td><td class=\"outcome outcome-").append(Html.esc(r.outcome())).append("\">")
                    .append(Html.esc(r.outcome())).append("</td><td>").append(actions(r.body())).append("</td></tr>");
        }
        sb.append("</tbody></table><div class=\"pager\">");
        int pages = Math.max(1, (m.reportCount() + pageSize - 1) / pageSize);
        if (page > 1) {
            sb.append("<a id=\"history-prev\" href=\"/machines/").append(m.id()).append("?page=").append(page - 1).append("\">← newer</a>");
        }
        sb.append("<span>page ").append(page).append(" of ").append(pages).append("</span>");
        if (page < pages) {
            sb.append("<a id=\"history-next\" href=\"/machines/").append(m.id()).append("?page=").append(page + 1).append("\">older →</a>");
        }
        return sb.append("</div>").toString();
    }

    /** One line per volume and action, from the stored report (escaped: it came from an agent). */
    static String actions(String body) {
        try {
            Map<String, Object> report = Json.readObject(body.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            if (report.get("volumes") instanceof List<?> volumes) {
                for (Object v : volumes) {
                    if (!(v instanceof Map<?, ?> vol)) {
                        continue;
                    }
                    sb.append("<div>").append(Html.esc(vol.get("volumeId"))).append(": ").append(Html.esc(vol.get("outcome")));
                    if (vol.get("bitlocker") instanceof Map<?, ?> bl && bl.get("state") != null && !"none".equals(bl.get("state"))) {
                        sb.append(", BitLocker ").append(Html.esc(bl.get("state")));
                        if ("locked".equals(bl.get("state")) && bl.get("recoveryKeyId") != null) {
                            sb.append(", needs recovery key <code>").append(Html.esc(bl.get("recoveryKeyId"))).append("</code>");
                        }
                        if (bl.get("keySource") != null) {
                            sb.append(" (key from ").append(Html.esc(bl.get("keySource"))).append(")");
                        }
                    }
                    if (vol.get("error") != null) {
                        sb.append(" <span class=\"error\">").append(Html.esc(vol.get("error"))).append("</span>");
                    }
                    if (vol.get("actions") instanceof List<?> actions) {
                        for (Object a : actions) {
                            if (a instanceof Map<?, ?> act) {
                                sb.append("<br>").append(Html.esc(act.get("action"))).append(" ").append(Html.esc(act.get("path")));
                                // a repair's old and new value ("safeboot off -> safeboot minimal"), or why it failed
                                if (act.get("detail") != null) {
                                    sb.append(" <span class=\"detail\">(").append(Html.esc(act.get("detail"))).append(")</span>");
                                }
                                if (act.get("error") != null) {
                                    sb.append(" <span class=\"error\">").append(Html.esc(act.get("error"))).append("</span>");
                                }
                            }
                        }
                    }
                    sb.append("</div>");
                }
            }
            return sb.toString();
        } catch (IOException e) {
            return "<span class=\"error\">unreadable report</span>";
        }
    }

    /** One page of the audit log ({@code entries}: at most {@link #AUDIT_PAGE} of them). */
    static String audit(int page, List<AuditLog.Entry> entries) {
        StringBuilder sb = new StringBuilder("<h1>Audit log</h1><p class=\"muted\">Every key release and import, written before the key left the collector.</p>")
                .append("<table id=\"audit\"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Key ID</th><th>From</th><th>Detail</th></tr></thead><tbody>");
        for (AuditLog.Entry e : entries) {
            sb.append("<tr><td>").append(Html.time(e.at())).append("</td><td>").append(Html.esc(e.actor())).append("</td><td>").append(Html.esc(e.action()))
                    .append(e.count() > 1 ? " ×" + e.count() : "")
                    .append("</td><td>").append(e.keyId() == null ? "" : "<code>{" + Html.esc(e.keyId()) + "}</code>").append("</td><td>")
                    .append(Html.esc(e.remote())).append("</td><td>").append(Html.esc(e.detail())).append("</td></tr>");
        }
        sb.append("</tbody></table><div class=\"pager\">");
        if (page > 1) {
            sb.append("<a href=\"/audit?page=").append(page - 1).append("\">← newer</a>");
        }
        if (entries.size() == AUDIT_PAGE) {
            sb.append("<a href=\"/audit?page=").append(page + 1).append("\">older →</a>");
        }
        return sb.append("</div>").toString();
    }

    /** Machines listed per page of the Enrolled page. */
    static final int ENROLLED_PAGE = 100;

    /**
     * Per-machine tokens (docs/self-healing.md §1), newest first, revoked ones too: each live one with
     * a Revoke button (a lost or stolen machine's token stops working on every collector within seconds).
     */
    static String enrolled(int page, long live, List<io.bootmedic.collector.store.MachineTokens.Row> rows) {
        StringBuilder sb = new StringBuilder("<h1>Enrolled machines</h1><p class=\"muted\">").append(live)
                .append(" live machine token(s). Each opens only its own machine's BitLocker keys, and only while a published playbook's scope "
                        + "includes that machine. Revoke the token of a lost or stolen machine; arming it again issues a new one.</p>")
                .append("<table id=\"enrolled\"><thead><tr><th>Machine</th><th>Token</th><th>Key IDs</th><th>Tags</th><th>Enrolled</th><th>By</th>"
                        + "<th>State</th></tr></thead><tbody>");
        for (io.bootmedic.collector.store.MachineTokens.Row r : rows) {
            io.bootmedic.collector.Tokens.Machine m = r.machine();
            sb.append("<tr><td><a href=\"/machines/").append(Html.esc(m.machineId())).append("\">").append(Html.esc(m.computerName())).append("</a>")
                    .append(m.biosSerial() == null ? "" : " <span class=\"muted\">" + Html.esc(m.biosSerial()) + "</span>")
                    .append("</td><td><code>").append(Html.esc(r.tokenId())).append("</code></td><td>");
            for (String k : new java.util.TreeSet<>(m.keyIds())) {
                sb.append("<code>{").append(Html.esc(k)).append("}</code> ");
            }
            sb.append("</td><td>");
            m.tags().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(t -> sb.append(Html.esc(t.getKey())).append("=").append(Html.esc(t.getValue())).append(" "));
            sb.append("</td><td>").append(Html.time(r.enrolledAt())).append("</td><td>").append(Html.esc(r.enrolledBy())).append("</td><td>");
            if (r.revokedAt() == null) {
                sb.append("<form method=\"post\" action=\"/enrolled/revoke\"><input type=\"hidden\" name=\"token\" value=\"").append(Html.esc(r.tokenId()))
                        .append("\"><button type=\"submit\">Revoke</button></form>");
            } else {
                sb.append("revoked ").append(Html.time(r.revokedAt())).append(" by ").append(Html.esc(r.revokedBy()));
            }
            sb.append("</td></tr>");
        }
        sb.append("</tbody></table><div class=\"pager\">");
        if (page > 1) {
            sb.append("<a href=\"/enrolled?page=").append(page - 1).append("\">← newer</a>");
        }
        if (rows.size() == ENROLLED_PAGE) {
            sb.append("<a href=\"/enrolled?page=").append(page + 1).append("\">older →</a>");
        }
        return sb.append("</div>").toString();
    }

    /**
     * Published playbooks: per publication, the machines whose latest report applied it by outcome,
     * and each of those machines with when it last reported ({@code machines}: at most a page per publication).
     */
    static String playbooks(List<io.bootmedic.collector.store.PlaybookStore.Publication> publications,
                            Map<String, io.bootmedic.collector.store.PlaybookStore.Counts> counts,
                            Map<String, List<io.bootmedic.collector.store.PlaybookStore.MachineRow>> machines) {
        StringBuilder sb = new StringBuilder("<h1>Playbooks</h1>");
        if (publications.isEmpty()) {
            return sb.append("<p class=\"muted\" id=\"no-playbooks\">No playbook is published. Sign one and publish it with "
                    + "<code>bootmedic collector playbook publish FILE.json --config agent.conf --admin-token-file admin.token</code>.</p>").toString();
        }
        sb.append("<p>Agents apply these after verifying each signature against the keys on their own media. "
                + "Counts are of machines whose latest report applied the playbook; <em>fixed</em> includes machines found clean.</p>");
        sb.append("<table id=\"playbooks\"><thead><tr><th>Publication</th><th>Playbook</th><th>Version</th><th>Signed by</th><th>Scope</th>"
                + "<th>Published</th><th>State</th><th>Fixed</th><th>Failing</th><th>Waiting for a key</th></tr></thead><tbody>");
        for (var p : publications) {
            var c = counts.getOrDefault(p.publication(), io.bootmedic.collector.store.PlaybookStore.Counts.NONE);
            sb.append("<tr id=\"pub-").append(Html.esc(p.publication())).append("\"><td><code>").append(Html.esc(p.publication())).append("</code></td><td>")
                    .append(Html.esc(p.playbookId())).append("<br><span class=\"muted\">").append(Html.esc(p.title())).append("</span></td><td>")
                    .append(Html.esc(p.version())).append("</td><td><code>").append(Html.esc(p.signedBy())).append("</code></td><td>")
                    .append(Html.esc(Json.line(p.scope().toJson()).strip())).append("</td><td>").append(Html.time(p.publishedAt())).append("</td><td>")
                    .append(p.retiredAt() == null ? "active" : "retired " + Html.time(p.retiredAt())).append("</td><td class=\"fixed\">")
                    .append(c.fixed()).append("</td><td class=\"failing\">").append(c.failing()).append("</td><td class=\"needs-key\">")
                    .append(c.waitingForKey()).append("</td></tr>");
        }
        sb.append("</tbody></table>");
        for (var p : publications) {
            List<io.bootmedic.collector.store.PlaybookStore.MachineRow> rows = machines.getOrDefault(p.publication(), List.of());
            if (rows.isEmpty()) {
                continue;
            }
            sb.append("<h2>").append(Html.esc(p.playbookId())).append(" version ").append(Html.esc(p.version())).append(" (<code>")
                    .append(Html.esc(p.publication())).append("</code>)</h2><table class=\"playbook-machines\"><thead><tr><th>Machine</th><th>Outcome</th>"
                    + "<th>Latest report</th></tr></thead><tbody>");
            for (var m : rows) {
                sb.append("<tr><td><a href=\"/machines/").append(Html.esc(m.machineId())).append("\">")
                        .append(Html.esc(m.computerName() == null ? m.machineId() : m.computerName())).append("</a></td><td class=\"")
                        .append(Html.esc(m.outcome())).append("\">").append(Html.esc(m.outcome())).append("</td><td>").append(Html.time(m.latestAt()))
                        .append("</td></tr>");
            }
            sb.append("</tbody></table>");
        }
        return sb.toString();
    }
}
