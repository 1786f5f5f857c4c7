package io.bootmedic.collector.http;

import io.bootmedic.collector.store.CrashQueries;
import io.bootmedic.collector.store.ReportDiagnosis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "What is crashing the fleet" (docs/fleet-crashes.md): the page and its JSON twin, as pure functions
 * of {@link CrashQueries.Summary}. Every string in it came from an agent; each passes through
 * {@link Html#esc} even though the store kept only narrow patterns.
 */
final class CrashPage {
    /** Rows of each top list. */
    static final int TOP = 15;
    /** Machines with pending updates listed; the count above says how many there are. */
    static final int PENDING_ROWS = 500;
    static final int DEFAULT_HOURS = 48;

    private CrashPage() {
    }

    /** What a request asks for: the window and the filter, checked (400 for a code or driver that could not be stored). */
    record Query(int hours, CrashQueries.Filter filter) {
        static Query of(Map<String, String> q) {
            int hours = HttpIo.intParam(q, "hours", DEFAULT_HOURS, 1, CrashQueries.MAX_HOURS);
            String code = q.get("code");
            String driver = q.get("driver");
            String bugCheck = null;
            String module = null;
            if (code != null && !code.isBlank()) {
                bugCheck = ReportDiagnosis.bugCheck(code);
                if (bugCheck == null) {
                    throw new HttpIo.HttpError(400, "code must be a bug-check code such as 0x00000050");
                }
            }
            if (driver != null && !driver.isBlank()) {
                module = ReportDiagnosis.module(driver);
                if (module == null || !module.equalsIgnoreCase(driver.strip())) {
                    throw new HttpIo.HttpError(400, "driver must be a driver's file name such as csagent.sys");
                }
            }
            return new Query(hours, new CrashQueries.Filter(bugCheck, module));
        }

        /** The query string of this window with {@code code} or {@code driver} (null: none), escaped for an attribute. */
        String link(String code, String driver) {
            return Html.esc("/crashes?hours=" + hours + (code == null ? "" : "&code=" + Html.url(code)) + (driver == null ? "" : "&driver=" + Html.url(driver)));
        }
    }

    static String html(Query query, CrashQueries.Summary s) {
        StringBuilder sb = new StringBuilder("<h1>What is crashing the fleet</h1>");
        sb.append("<p class=\"muted\">Crash dumps the agents found (<code>Windows/Minidump</code>, <code>MEMORY.DMP</code>), from ")
                .append(Html.time(s.from())).append(", counted at <span id=\"counted-at\">").append(Html.time(s.computedAt()))
                .append("</span> (again at most every ").append(CrashQueries.CACHE_MILLIS / 1000)
                .append(" s). A dump a machine reports again counts once; counts are of distinct machines. Window: ");
        for (int h : new int[]{6, 24, 48, CrashQueries.MAX_HOURS}) {
            Query q = new Query(h, s.filter());
            sb.append(h == s.hours() ? "<strong>" : "<a href=\"" + q.link(s.filter().bugCheck(), s.filter().module()) + "\">")
                    .append(h % 24 == 0 && h > 24 ? h / 24 + " days" : h + " h").append(h == s.hours() ? "</strong> " : "</a> ");
        }
        sb.append("</p>");
        if (s.filter().bugCheck() != null || s.filter().module() != null) {
            sb.append("<p id=\"crash-filter\">Only crashes");
            if (s.filter().bugCheck() != null) {
                sb.append(" with bug check <code>").append(Html.esc(s.filter().bugCheck())).append("</code>");
            }
            if (s.filter().module() != null) {
                sb.append(" in <code>").append(Html.esc(s.filter().module())).append("</code>");
            }
            sb.append(". <a id=\"crash-all\" href=\"").append(query.link(null, null)).append("\">Show all crashes</a></p>");
        }
        sb.append("<div class=\"tiles\"><div class=\"tile failed\"><div class=\"n\" id=\"crash-machines\">").append(s.machines())
                .append("</div>machines crashed</div><div class=\"tile\"><div class=\"n\" id=\"crash-dumps\">").append(s.dumps())
                .append("</div>crash dumps</div><div class=\"tile needs-key\"><div class=\"n\" id=\"pending-count\">").append(s.pendingTotal())
                .append("</div>machines with pending updates</div></div>");
        sb.append("<h2>Machines crashing per hour (UTC)</h2>").append(chart(s.perHour()));

        sb.append("<h2>Bug-check codes</h2>");
        if (s.bugChecks().isEmpty()) {
            sb.append("<p class=\"muted\" id=\"no-crashes\">No crash dump in this window.</p>");
        } else {
            sb.append("<table id=\"bugchecks\"><thead><tr><th>Code</th><th>Name</th><th>Machines</th><th>Dumps</th><th>First</th><th>Last</th></tr></thead><tbody>");
            for (CrashQueries.Top t : s.bugChecks()) {
                sb.append("<tr><td><a href=\"").append(query.link(t.key(), s.filter().module())).append("\"><code>").append(Html.esc(t.key()))
                        .append("</code></a></td><td>").append(Html.esc(t.name())).append("</td>").append(counts(t)).append("</tr>");
            }
            sb.append("</tbody></table>");
        }
        sb.append("<h2>Faulting drivers</h2>");
        if (s.drivers().isEmpty()) {
            sb.append("<p class=\"muted\" id=\"no-drivers\">No dump in this window names a faulting driver (only triage dumps and some kernel dumps do).</p>");
        } else {
            sb.append("<p class=\"muted\">The driver a dump's header or module list blames (a triage dump's \"probably caused by\"). "
                    + "A playbook rule can disable it: <code>{\"action\": \"disable-service\", \"service\": …}</code>.</p>");
            sb.append("<table id=\"drivers\"><thead><tr><th>Driver</th><th>Bug check on most machines</th><th>Machines</th><th>Dumps</th><th>First</th><th>Last</th>"
                    + "</tr></thead><tbody>");
            for (CrashQueries.Top t : s.drivers()) {
                sb.append("<tr><td><a href=\"").append(query.link(s.filter().bugCheck(), t.key())).append("\"><code>").append(Html.esc(t.key()))
                        .append("</code></a></td><td><code>").append(Html.esc(t.name())).append("</code></td>").append(counts(t)).append("</tr>");
            }
            sb.append("</tbody></table>");
        }
        if (s.filter().bugCheck() != null || s.filter().module() != null) {
            sb.append("<h2>Machines with these crashes</h2>");
            if (s.crashed().isEmpty()) {
                sb.append("<p class=\"muted\" id=\"no-crashed\">None in this window.</p>");
            } else {
                sb.append("<p class=\"muted\">The ").append(s.crashed().size()).append(" that crashed last: the machines a playbook's scope would name.</p>")
                        .append("<table id=\"crashed\"><thead><tr><th>Machine</th><th>Dumps</th><th>Last crash</th></tr></thead><tbody>");
                for (CrashQueries.CrashedMachine m : s.crashed()) {
                    sb.append("<tr><td><a href=\"/machines/").append(Html.esc(m.machineId())).append("\">")
                            .append(Html.esc(m.computerName() == null ? m.machineId() : m.computerName())).append("</a></td><td>").append(m.dumps())
                            .append("</td><td>").append(Html.time(m.lastAt())).append("</td></tr>");
                }
                sb.append("</tbody></table>");
            }
        }
        sb.append("<h2>Machines with pending updates</h2>");
        if (s.pending().isEmpty()) {
            sb.append("<p class=\"muted\" id=\"no-pending\">No machine's latest report says updates are pending.</p>");
        } else {
            sb.append("<p>Their latest report found updates waiting to be installed at the next boot (<code>pending.xml</code> or pending "
                    + "package sessions): an update that fails there loops the boot. Reverting them needs Windows (WinPE, WinRE or safe mode); "
                    + "the command names the drive Windows had there.</p>");
            sb.append("<table id=\"pending\"><thead><tr><th>Machine</th><th>Reported</th><th>Packages</th><th>Found in</th><th>Revert</th></tr></thead><tbody>");
            for (CrashQueries.PendingMachine m : s.pending()) {
                sb.append("<tr><td><a href=\"/machines/").append(Html.esc(m.machineId())).append("\">")
                        .append(Html.esc(m.computerName() == null ? m.machineId() : m.computerName())).append("</a></td><td>")
                        .append(Html.time(m.reportedAt())).append("</td><td>").append(lines(m.packages())).append("</td><td>")
                        .append(lines(m.evidence())).append("</td><td>")
                        .append(m.revertCommand() == null ? "<span class=\"muted\">not given</span>" : "<code>" + Html.esc(m.revertCommand()) + "</code>")
                        .append("</td></tr>");
            }
            sb.append("</tbody></table>");
            if (s.pendingTotal() > s.pending().size()) {
                sb.append("<p class=\"muted\">The ").append(s.pending().size()).append(" reported last are shown; GET /api/v1/crashes lists as many.</p>");
            }
        }
        return sb.toString();
    }

    private static String counts(CrashQueries.Top t) {
        return "<td class=\"machines\">" + t.machines() + "</td><td>" + t.dumps() + "</td><td>" + Html.time(t.firstAt()) + "</td><td>"
                + Html.time(t.lastAt()) + "</td>";
    }

    private static String lines(List<String> values) {
        List<String> escaped = new ArrayList<>();
        values.forEach(v -> escaped.add("<code>" + Html.esc(v) + "</code>"));
        return String.join("<br>", escaped);
    }

    /** Machines per hour as inline SVG bars (no script: the content security policy allows none). */
    static String chart(List<CrashQueries.Hour> hours) {
        long max = Math.max(1, hours.stream().mapToLong(CrashQueries.Hour::machines).max().orElse(1));
        int w = 720;
        int h = 160;
        double bar = (double) w / Math.max(1, hours.size());
        int labelEvery = Math.max(1, (int) Math.ceil(hours.size() / 12.0));
        StringBuilder sb = new StringBuilder("<svg class=\"chart\" id=\"crash-chart\" role=\"img\" aria-label=\"machines crashing per hour\" width=\"")
                .append(w).append("\" height=\"").append(h + 20).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h + 20).append("\">");
        for (int i = 0; i < hours.size(); i++) {
            CrashQueries.Hour c = hours.get(i);
            int bh = (int) Math.round((double) c.machines() / max * (h - 14));
            int x = (int) Math.round(i * bar);
            sb.append("<rect x=\"").append(x + 1).append("\" y=\"").append(h - bh).append("\" width=\"").append(Math.max(1, (int) bar - 2))
                    .append("\" height=\"").append(bh).append("\"><title>").append(Html.time(c.hourStart())).append(": ").append(c.machines())
                    .append(c.machines() == 1 ? " machine, " : " machines, ").append(c.dumps()).append(c.dumps() == 1 ? " dump" : " dumps")
                    .append("</title></rect>");
            if (c.machines() > 0 && bar >= 12) {
                sb.append("<text x=\"").append(x + 2).append("\" y=\"").append(h - bh - 3).append("\">").append(c.machines()).append("</text>");
            }
            if (i % labelEvery == 0) {
                sb.append("<text x=\"").append(x + 1).append("\" y=\"").append(h + 14).append("\">")
                        .append(DashboardPages.hourOfDay(c.hourStart())).append("</text>");
            }
        }
        return sb.append("</svg>").toString();
    }

    /** The same data for GET /api/v1/crashes. */
    static Map<String, Object> json(CrashQueries.Summary s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", Instant.ofEpochMilli(s.from()).toString());
        out.put("to", Instant.ofEpochMilli(s.to()).toString());
        out.put("hours", s.hours());
        out.put("countedAt", Instant.ofEpochMilli(s.computedAt()).toString());
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("bugCheck", s.filter().bugCheck());
        filter.put("faultingModule", s.filter().module());
        out.put("filter", filter);
        out.put("machines", s.machines());
        out.put("dumps", s.dumps());
        out.put("bugChecks", s.bugChecks().stream().map(t -> top(t, "bugCheck", "bugCheckName")).toList());
        out.put("faultingModules", s.drivers().stream().map(t -> top(t, "faultingModule", "topBugCheck")).toList());
        out.put("perHour", s.perHour().stream().map(h -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hourStart", Instant.ofEpochMilli(h.hourStart()).toString());
            m.put("machines", h.machines());
            m.put("dumps", h.dumps());
            return m;
        }).toList());
        out.put("crashedMachines", s.crashed().stream().map(m -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("machineId", m.machineId());
            j.put("computerName", m.computerName());
            j.put("dumps", m.dumps());
            j.put("lastAt", Instant.ofEpochMilli(m.lastAt()).toString());
            return j;
        }).toList());
        Map<String, Object> pending = new LinkedHashMap<>();
        pending.put("total", s.pendingTotal());
        pending.put("machines", s.pending().stream().map(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("machineId", p.machineId());
            m.put("computerName", p.computerName());
            m.put("reportedAt", Instant.ofEpochMilli(p.reportedAt()).toString());
            m.put("packages", p.packages());
            m.put("evidence", p.evidence());
            m.put("revertCommand", p.revertCommand());
            return m;
        }).toList());
        out.put("pendingUpdates", pending);
        return out;
    }

    private static Map<String, Object> top(CrashQueries.Top t, String key, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(key, t.key());
        m.put(name, t.name());
        m.put("machines", t.machines());
        m.put("dumps", t.dumps());
        m.put("firstAt", Instant.ofEpochMilli(t.firstAt()).toString());
        m.put("lastAt", Instant.ofEpochMilli(t.lastAt()).toString());
        return m;
    }
}
