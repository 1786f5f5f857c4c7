package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.AuditLog;
import io.bootmedic.collector.store.CrashQueries;
import io.bootmedic.collector.store.FleetQueries;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/** The server-rendered dashboard: overview, machine table and detail, audit log, CSV export. */
final class Dashboard {
    private static final int PAGE_SIZE = 50;
    private final FleetQueries fleet;
    private final AuditLog audit;
    private final Sessions sessions;
    private final Tokens tokens;
    private final boolean secureCookies;
    private final byte[] css;
    /** Login attempts per caller address: tokens are long and random, but guessing must stay slow anyway. */
    private final RateLimiter loginRate;
    static final int LOGINS_PER_MINUTE = 20;
    private final ReadinessRoutes readiness;

    private final io.bootmedic.collector.store.PlaybookStore playbooks;
    private final io.bootmedic.collector.store.MachineTokens machines;
    private final CrashQueries crashes;
    /** Machines listed per publication on the playbooks page. */
    static final int PLAYBOOK_MACHINES = 200;

    Dashboard(FleetQueries fleet, AuditLog audit, Sessions sessions, Tokens tokens, boolean secureCookies, RateLimiter loginRate,
              ReadinessRoutes readiness) throws IOException {
        this(fleet, audit, sessions, tokens, secureCookies, loginRate, readiness, null);
    }

    Dashboard(FleetQueries fleet, AuditLog audit, Sessions sessions, Tokens tokens, boolean secureCookies, RateLimiter loginRate,
              ReadinessRoutes readiness, io.bootmedic.collector.store.PlaybookStore playbooks) throws IOException {
        this(fleet, audit, sessions, tokens, secureCookies, loginRate, readiness, playbooks, null);
    }

    Dashboard(FleetQueries fleet, AuditLog audit, Sessions sessions, Tokens tokens, boolean secureCookies, RateLimiter loginRate,
              ReadinessRoutes readiness, io.bootmedic.collector.store.PlaybookStore playbooks, io.bootmedic.collector.store.MachineTokens machines)
            throws IOException {
        this(fleet, audit, sessions, tokens, secureCookies, loginRate, readiness, playbooks, machines, null);
    }

    Dashboard(FleetQueries fleet, AuditLog audit, Sessions sessions, Tokens tokens, boolean secureCookies, RateLimiter loginRate,
              ReadinessRoutes readiness, io.bootmedic.collector.store.PlaybookStore playbooks, io.bootmedic.collector.store.MachineTokens machines,
              CrashQueries crashes) throws IOException {
        this.crashes = crashes;
        this.machines = machines;
        this.playbooks = playbooks;
        this.readiness = readiness;
        this.loginRate = loginRate;
        this.fleet = fleet;
        this.audit = audit;
        this.sessions = sessions;
        this.tokens = tokens;
        this.secureCookies = secureCookies;
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.css")) {
            this.css = in == null ? new byte[0] : in.readAllBytes();
        }
    }

    void handle(Exchange ex, String path, Optional<Tokens.Principal> who) throws Exception {
        String method = ex.method();
        if (path.equals("/static/dashboard.css")) {
            ex.setHeader("Cache-Control", "max-age=3600");
            HttpIo.send(ex, 200, "text/css; charset=utf-8", css);
            return;
        }
        if (path.equals("/login")) {
            if (method.equals("POST")) {
                login(ex);
            } else {
                html(ex, 200, "Log in", false, DashboardPages.loginForm(null));
            }
            return;
        }
        if (path.equals("/logout") && method.equals("POST")) {
            sessions.remove(ex.header("Cookie"));
            ex.addHeader("Set-Cookie", Sessions.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : ""));
            HttpIo.redirect(ex, "/login");
            return;
        }
        if (who.isEmpty() || who.get().role() != Tokens.Role.ADMIN) {
            HttpIo.redirect(ex, "/login");
            return;
        }
        if (path.equals("/enrolled/revoke") && machines != null) {
            ApiRoutes.expect(method, "POST");
            revokeMachine(ex, who.get());
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new HttpIo.HttpError(405, "use GET");
        }
        Map<String, String> q = HttpIo.params(ex.rawQuery());
        if (path.equals("/")) {
            html(ex, 200, "Overview", true, DashboardPages.overview(fleet.countsByOutcome(), fleet.fixesPerHour(System.currentTimeMillis(), 24),
                    fleet.waitingForKeys(100), fleet.rotations(100)));
        } else if (path.equals("/machines")) {
            String outcome = q.getOrDefault("outcome", "");
            String search = q.getOrDefault("q", "");
            int page = HttpIo.intParam(q, "page", 1, 1, Integer.MAX_VALUE / 1000);
            html(ex, 200, "Machines", true, DashboardPages.machines(outcome, search, page,
                    fleet.machines(new FleetQueries.Filter(outcome, search), page, PAGE_SIZE)));
        } else if (path.equals("/machines.csv")) {
            csv(ex, q);
        } else if (path.startsWith("/machines/")) {
            String id = path.substring("/machines/".length());
            Optional<FleetQueries.Machine> m = id.matches("[0-9a-f]{32}") ? fleet.machine(id) : Optional.empty();
            if (m.isEmpty()) {
                html(ex, 404, "Not found", true, "<h1>No such machine</h1><p><a href=\"/machines\">Back to the machine list</a></p>");
            } else {
                int page = HttpIo.intParam(q, "page", 1, 1, 1_000_000);
                int pageSize = FleetQueries.MAX_HISTORY_PAGE;
                html(ex, 200, m.get().computerName() == null ? id : m.get().computerName(), true,
                        DashboardPages.machine(m.get(), page, pageSize, fleet.history(m.get().id(), (page - 1) * pageSize, pageSize)));
            }
        } else if (path.equals("/crashes") && crashes != null) {
            CrashPage.Query query = CrashPage.Query.of(q);
            html(ex, 200, "Crashes", true, CrashPage.html(query, crashes.cached(System.currentTimeMillis(), query.hours(), query.filter(),
                    CrashPage.TOP, CrashPage.PENDING_ROWS)));
        } else if (path.equals("/armed")) {
            html(ex, 200, "Armed", true, DashboardPages.armed(readiness.fleet()));
        } else if (path.equals("/playbooks") && playbooks != null) {
            var published = playbooks.all();
            Map<String, java.util.List<io.bootmedic.collector.store.PlaybookStore.MachineRow>> machines = new java.util.HashMap<>();
            for (var p : published) {
                machines.put(p.publication(), playbooks.machines(p.publication(), PLAYBOOK_MACHINES));
            }
            html(ex, 200, "Playbooks", true, DashboardPages.playbooks(published, playbooks.counts(), machines));
        } else if (path.equals("/enrolled") && machines != null) {
            int page = HttpIo.intParam(q, "page", 1, 1, 100_000);
            html(ex, 200, "Enrolled", true, DashboardPages.enrolled(page, machines.liveCount(),
                    machines.page((page - 1) * DashboardPages.ENROLLED_PAGE, DashboardPages.ENROLLED_PAGE)));
        } else if (path.equals("/audit")) {
            int page = HttpIo.intParam(q, "page", 1, 1, 100_000);
            html(ex, 200, "Audit log", true, DashboardPages.audit(page, audit.recent((page - 1) * DashboardPages.AUDIT_PAGE, DashboardPages.AUDIT_PAGE)));
        } else {
            html(ex, 404, "Not found", true, "<h1>Not found</h1>");
        }
    }

    /**
     * Revokes one machine's token (audited). The session cookie is SameSite=Strict, and a form sent
     * from another origin is refused as well: a page elsewhere cannot revoke a fleet's tokens.
     */
    private void revokeMachine(Exchange ex, Tokens.Principal who) throws Exception {
        String origin = ex.header("Origin");
        String host = ex.header("Host");
        if (origin != null && (host == null || !origin.replaceFirst("^https?://", "").equalsIgnoreCase(host))) {
            throw new HttpIo.HttpError(403, "a revoke must come from the dashboard's own page");
        }
        Map<String, String> form = HttpIo.params(new String(HttpIo.readBody(ex, 4096), StandardCharsets.UTF_8));
        String id = form.getOrDefault("token", "");
        if (!id.matches("[0-9a-f]{12}") || machines.revoke(id, who.actor(), HttpIo.remote(ex), System.currentTimeMillis()).isEmpty()) {
            html(ex, 404, "Not found", true, "<h1>No such machine token</h1><p><a href=\"/enrolled\">Back to the enrolled machines</a></p>");
            return;
        }
        HttpIo.redirect(ex, "/enrolled");
    }

    private void login(Exchange ex) throws IOException, java.sql.SQLException {
        long wait = loginRate.acquire(ex.remote(), System.currentTimeMillis());
        if (wait > 0) {
            ex.setHeader("Retry-After", String.valueOf(wait));
            throw new HttpIo.HttpError(429, "too many login attempts from this address; retry in " + wait + " s");
        }
        Map<String, String> form = HttpIo.params(new String(HttpIo.readBody(ex, 4096), StandardCharsets.UTF_8));
        Optional<Tokens.Principal> p = tokens.authenticate(form.getOrDefault("token", "").trim());
        if (p.isEmpty() || p.get().role() != Tokens.Role.ADMIN) {
            html(ex, 401, "Log in", false, DashboardPages.loginForm(p.isPresent()
                    ? "That is the " + p.get().role().name().toLowerCase(java.util.Locale.ROOT) + " token. The dashboard needs the admin token (admin.token in the collector's folder)."
                    : "That token is not known to this collector. Paste the contents of admin.token from the collector's folder."));
            return;
        }
        String session = sessions.create(p.get(), System.currentTimeMillis());
        ex.addHeader("Set-Cookie", Sessions.COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : ""));
        HttpIo.redirect(ex, "/");
    }

    private void csv(Exchange ex, Map<String, String> q) throws Exception {
        HttpIo.securityHeaders(ex, "text/csv; charset=utf-8");
        ex.setHeader("Content-Disposition", "attachment; filename=\"machines.csv\"");
        try (Writer w = new OutputStreamWriter(ex.stream(200), StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder()
                     .setHeader("machineId", "computerName", "outcome", "lastReport", "reports", "biosSerial", "vmId", "volumeIds", "latestRunId").build())) {
            fleet.eachMachine(new FleetQueries.Filter(q.get("outcome"), q.get("q")), m -> csv.printRecord(m.id(), spreadsheetSafe(m.computerName()),
                    m.latestOutcome(), Html.time(m.lastSeen()), m.reportCount(), spreadsheetSafe(m.biosSerial()), spreadsheetSafe(m.vmId()),
                    spreadsheetSafe(m.volumeIds()), m.latestRunId()));
        }
    }

    /**
     * A separator a spreadsheet may split a cell at (',' ';' tab '|', a line break) followed, after any
     * spaces and quotes, by a character that starts a formula. The quotes matter: CSV writes a quote
     * in a cell as "", and a spreadsheet splitting at ';' reads X;""=cmd as a cell "=cmd" once it has
     * unquoted it.
     */
    private static final java.util.regex.Pattern FORMULA_AFTER_SEPARATOR = java.util.regex.Pattern.compile("([,;\t\r\n|])(?=[ \"]*[=+\\-@\t\r])");
    /** The same at the start of the cell. */
    private static final java.util.regex.Pattern FORMULA_AT_START = java.util.regex.Pattern.compile("[ \"]*[=+\\-@\t\r]");

    /**
     * Cells that a spreadsheet would read as a formula get a {@code '} where the formula would start,
     * so it shows them as text (CSV injection). The cell is judged as a spreadsheet reads it, after
     * unquoting and whatever its separator: at its start, and after every ',', ';', tab, '|' or line
     * break (where a spreadsheet set to another separator than this file's comma starts a cell),
     * skipping spaces and quotes. The {@code '} goes right after the separator, before any quote, so
     * the spreadsheet does not unquote what follows.
     */
    static String spreadsheetSafe(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String inner = FORMULA_AFTER_SEPARATOR.matcher(s).replaceAll("$1'");
        return FORMULA_AT_START.matcher(inner).lookingAt() ? "'" + inner : inner;
    }

    private static void html(Exchange ex, int status, String title, boolean loggedIn, String body) throws IOException {
        HttpIo.send(ex, status, "text/html; charset=utf-8", Html.page(title, loggedIn, body).getBytes(StandardCharsets.UTF_8));
    }
}
