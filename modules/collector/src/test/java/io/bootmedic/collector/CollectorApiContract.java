package io.bootmedic.collector;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import io.bootmedic.keys.RecoveryPassword;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API of docs/design.md §8, run unchanged against SQLite and PostgreSQL (the subclasses pick the database). */
abstract class CollectorApiContract {
    static final String KEY_ID = "64311DEA-4587-4029-924A-BA299647998E";
    static final String PASSWORD = "000011-000022-000033-000044-000055-000066-000077-000088";
    static final int KEY_RATE = 5;

    @TempDir
    Path tmp;
    TestCollector collector;

    /** The JDBC URL of a fresh database, or null for SQLite in the collector folder. */
    abstract String jdbcUrl() throws Exception;

    /** The database of this test's collector (null: SQLite in its folder). */
    String jdbc;

    @BeforeEach
    void start() throws Exception {
        jdbc = jdbcUrl();
        collector = TestCollector.start(tmp.resolve("collector"), jdbc, KEY_RATE);
    }

    @AfterEach
    void stop() {
        collector.close();
    }

    String admin() {
        return collector.created.adminToken();
    }

    String agent() {
        return collector.created.agentToken();
    }

    @Test
    void aReportIsStoredOnceAndItsMachineListedWithTheLatestOutcome() throws Exception {
        Map<String, Object> failed = Reports.report("PC-0042", "SN42", "failed", "2024-07-19T06:00:00Z");
        Map<String, Object> fixed = Reports.report("PC-0042", "SN42", "fixed", "2024-07-19T07:00:00Z");
        CollectorClient agentClient = collector.agentClient();
        assertEquals(CollectorClient.Delivery.CREATED, agentClient.sendReport(Reports.bytes(failed)));
        assertEquals(CollectorClient.Delivery.CREATED, agentClient.sendReport(Reports.bytes(fixed)));
        assertEquals(CollectorClient.Delivery.ALREADY_RECEIVED, agentClient.sendReport(Reports.bytes(failed)), "a re-send is recognised by runId");

        TestCollector.Response list = collector.request("GET", "/api/v1/machines", admin(), null);
        assertEquals(200, list.status());
        List<?> machines = (List<?>) list.json().get("machines");
        assertEquals(1, machines.size(), list.body());
        Map<?, ?> m = (Map<?, ?>) machines.get(0);
        assertEquals("PC-0042", m.get("computerName"));
        assertEquals("fixed", m.get("outcome"));
        assertEquals(2, ((Number) m.get("reports")).intValue());

        TestCollector.Response byOutcome = collector.request("GET", "/api/v1/machines?outcome=failed", admin(), null);
        assertEquals(0, ((Number) byOutcome.json().get("total")).intValue());

        TestCollector.Response detail = collector.request("GET", "/api/v1/machines/" + m.get("id"), admin(), null);
        assertEquals(200, detail.status());
        List<?> history = (List<?>) detail.json().get("reports");
        assertEquals(2, history.size());
        assertEquals(fixed.get("runId"), ((Map<?, ?>) ((Map<?, ?>) history.get(0)).get("report")).get("runId"));
    }

    /**
     * Issue 22: the 24-hour allowance let a clock a day fast pin a machine's outcome until that
     * date. The report the collector received last is the machine's state; the agent's time is kept
     * as information (latestRunAt, each report's finishedAt).
     */
    @Test
    void aClockADayFastOrUnsetDoesNotPinTheOutcomeTheReportReceivedLastIsTheMachinesState() throws Exception {
        java.time.Instant now = java.time.Instant.ofEpochMilli(System.currentTimeMillis()); // the collector keeps milliseconds
        CollectorClient agentClient = collector.agentClient();
        Map<String, Object> fast = Reports.report("PC-FAST", "SNF", "failed", now.plusSeconds(23 * 3600).toString());
        Map<String, Object> fixed = Reports.report("PC-FAST", "SNF", "fixed", now.toString());
        Map<String, Object> unset = Reports.report("PC-FAST", "SNF", "needs-key", "2000-01-01T00:00:00Z");
        assertEquals(CollectorClient.Delivery.CREATED, agentClient.sendReport(Reports.bytes(fast)));
        assertEquals(CollectorClient.Delivery.CREATED, agentClient.sendReport(Reports.bytes(fixed)));
        Map<?, ?> m = (Map<?, ?>) ((List<?>) collector.request("GET", "/api/v1/machines?q=PC-FAST", admin(), null).json().get("machines")).get(0);
        assertEquals("fixed", m.get("outcome"), "the run received last counts, not the one whose clock says it is newer: " + m);
        assertEquals(fixed.get("runId"), m.get("latestRunId"));
        assertEquals(now.toString(), m.get("latestRunAt"), "the agent's time of that run, as information");

        Thread.sleep(2); // received at a later millisecond
        assertEquals(CollectorClient.Delivery.CREATED, agentClient.sendReport(Reports.bytes(unset)));
        m = (Map<?, ?>) ((List<?>) collector.request("GET", "/api/v1/machines?q=PC-FAST", admin(), null).json().get("machines")).get(0);
        assertEquals("needs-key", m.get("outcome"), "a clock left in 2000 is not hidden behind older runs either: " + m);

        List<?> history = (List<?>) collector.request("GET", "/api/v1/machines/" + m.get("id"), admin(), null).json().get("reports");
        List<Object> order = history.stream().map(h -> ((Map<?, ?>) ((Map<?, ?>) h).get("report")).get("runId")).map(Object.class::cast).toList();
        assertEquals(List.of(unset.get("runId"), fixed.get("runId"), fast.get("runId")), order, "the history is in the order the collector received it");
    }

    @Test
    void machinesWithTheSameNameButDifferentSerialsStayApart() throws Exception {
        CollectorClient c = collector.agentClient();
        c.sendReport(Reports.bytes(Reports.report("CLONE", "SN-A", "fixed", "2024-07-19T06:00:00Z")));
        c.sendReport(Reports.bytes(Reports.report("CLONE", "SN-B", "failed", "2024-07-19T06:00:00Z")));
        c.sendReport(Reports.bytes(Reports.report("CLONE", "To be filled by O.E.M.", "fixed", "2024-07-19T06:00:00Z")));
        assertEquals(3, ((Number) collector.request("GET", "/api/v1/machines?q=clone", admin(), null).json().get("total")).intValue());
    }

    @Test
    void tokensAreRequiredAndRolesEnforced() throws Exception {
        assertEquals(401, collector.request("GET", "/api/v1/machines", null, null).status());
        assertEquals(401, collector.request("GET", "/api/v1/machines", "bmadm_not-a-real-token", null).status());
        assertEquals(401, collector.request("POST", "/api/v1/reports", null, Reports.bytes(Reports.report("A", "1", "fixed", "2024-07-19T06:00:00Z"))).status());
        for (String path : List.of("/api/v1/machines", "/api/v1/audit", "/api/v1/machines/0123456789abcdef0123456789abcdef")) {
            TestCollector.Response r = collector.request("GET", path, agent(), null);
            assertEquals(403, r.status(), path);
            assertTrue(r.body().contains("admin token"), r.body());
        }
        assertEquals(403, collector.request("POST", "/api/v1/keys/import", agent(), "KeyID,RecoveryKey\n".getBytes(StandardCharsets.UTF_8)).status());
        // the dashboard without a session sends the browser to the login page
        assertEquals(303, collector.request("GET", "/machines", null, null).status());
        CollectorException wrongToken = assertThrows(CollectorException.class, () -> new CollectorClient(
                new AgentConfig(collector.url, collector.created.pin(), "bmagt_wrong"), 5000).sendReport(Reports.bytes(Reports.report("A", "1", "fixed", "2024-07-19T06:00:00Z"))));
        assertTrue(wrongToken.getMessage().contains("refused the token"), wrongToken.getMessage());
        assertFalse(wrongToken.retryable());
    }

    @Test
    void aTokenAddedOrRevokedOnDiskTakesEffectWhileTheCollectorRuns() throws Exception {
        Path dir = tmp.resolve("collector");
        io.bootmedic.testutil.Cli added = io.bootmedic.testutil.Cli.run("collector", "token", "add", "--dir", dir.toString(),
                "--role", "agent", "--label", "site B sticks");
        assertEquals(0, added.exit, added.toString());
        io.bootmedic.testutil.Cli badRole = io.bootmedic.testutil.Cli.run("collector", "token", "add", "--dir", dir.toString(), "--role", "root");
        assertEquals(2, badRole.exit, badRole.toString());
        assertTrue(badRole.err.contains("give agent, admin or metrics"), badRole.err);
        io.bootmedic.testutil.Cli help = io.bootmedic.testutil.Cli.run("collector", "token", "list", "--help");
        assertFalse(help.out.contains("--role") || help.out.contains("--label"), "list shows only its own options: " + help.out);
        String siteToken = added.out.lines().findFirst().orElseThrow();
        assertTrue(siteToken.startsWith("bmagt_"), added.out);
        byte[] report = Reports.bytes(Reports.report("SITE-B-1", "SNB1", "fixed", "2024-07-19T06:00:00Z"));
        assertEquals(201, untilStatus(() -> collector.request("POST", "/api/v1/reports", siteToken, report).status(), 201));

        io.bootmedic.testutil.Cli list = io.bootmedic.testutil.Cli.run("collector", "token", "list", "--dir", dir.toString());
        assertTrue(list.out.contains("site B sticks"), list.out);
        assertFalse(list.out.contains(siteToken) || list.out.contains(agent()) || list.out.contains(admin()), "list never shows a token");
        String id = list.out.lines().filter(l -> l.contains("site B sticks")).findFirst().orElseThrow().split("\\s+")[0];

        io.bootmedic.testutil.Cli revoked = io.bootmedic.testutil.Cli.run("collector", "token", "revoke", id, "--dir", dir.toString());
        assertEquals(0, revoked.exit, revoked.toString());
        // without --db the revocation goes to the database the folder serves, and says which (issue 22)
        assertTrue(revoked.out.contains(jdbc == null ? "SQLite " + dir.resolve("collector.db").toAbsolutePath().normalize() : "PostgreSQL " + jdbc),
                revoked.out);
        try (java.sql.Connection c = collector.db.connection();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM revoked_tokens WHERE token_id = ?")) {
            ps.setString(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the revocation is in the database the collector reads");
            }
        }
        assertEquals(401, untilStatus(() -> collector.request("GET", "/api/v1/keys/" + KEY_ID, siteToken, null).status(), 401));
        assertEquals(404, collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null).status(), "the other tokens still work");
    }

    interface ResponseCall {
        TestCollector.Response call() throws Exception;
    }

    /** Polls until the answer has the expected status (tokens.json is re-read every few seconds); returns the last answer. */
    static TestCollector.Response untilResponse(ResponseCall call, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        TestCollector.Response r;
        do {
            r = call.call();
            if (r.status() == expected) {
                return r;
            }
            Thread.sleep(250);
        } while (System.currentTimeMillis() < deadline);
        return r;
    }

    interface StatusCall {
        int status() throws Exception;
    }

    /** The collector re-reads tokens.json every few seconds; poll until it answers as expected. */
    static int untilStatus(StatusCall call, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        int status;
        do {
            status = call.status();
            if (status == expected) {
                return status;
            }
            Thread.sleep(250);
        } while (System.currentTimeMillis() < deadline);
        return status;
    }

    @Test
    void aWrongCertificatePinIsAClearErrorAndNothingIsSent() throws Exception {
        String otherPin = "00".repeat(32);
        CollectorClient client = new CollectorClient(new AgentConfig(collector.url, otherPin, agent()), 5000);
        CollectorException e = assertThrows(CollectorException.class, () -> client.sendReport(Reports.bytes(Reports.report("A", "1", "fixed", "2024-07-19T06:00:00Z"))));
        assertTrue(e.getMessage().contains("certificate pin mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(otherPin), e.getMessage());
        assertEquals(0, ((Number) collector.request("GET", "/api/v1/machines", admin(), null).json().get("total")).intValue());
    }

    @Test
    void keysAreImportedSealedReleasedToAgentsAndEveryReleaseIsAudited() throws Exception {
        String export = "Hostname,KeyID,RecoveryKey,Directory\nPC-0042,{" + KEY_ID + "}," + PASSWORD + ",AD\nPC-0043,not-a-guid,123,AD\n";
        Map<String, Object> counts = collector.adminClient().importKeys(export.getBytes(StandardCharsets.UTF_8), "keys.csv");
        assertEquals(1, ((Number) counts.get("imported")).intValue());
        assertEquals(1, ((List<?>) counts.get("rejected")).size());
        assertFalse(counts.toString().contains("123,"), "rejected rows are not quoted back");
        // importing the same export again changes nothing
        assertEquals(1, ((Number) collector.adminClient().importKeys(export.getBytes(StandardCharsets.UTF_8), "keys.csv").get("unchanged")).intValue());

        // at rest the password is sealed: no group of it appears in the table
        try (Connection c = collector.db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sealed, host FROM recovery_keys")) {
            assertTrue(rs.next());
            assertFalse(rs.getString(1).contains("000011"));
            assertEquals("PC-0042", rs.getString(2));
        }

        Optional<RecoveryPassword> released = collector.agentClient().recoveryPassword(KEY_ID.toLowerCase());
        assertEquals(Optional.of(RecoveryPassword.parse(PASSWORD)), released);
        assertEquals(Optional.empty(), collector.agentClient().recoveryPassword("00000000-1111-2222-3333-444444444444"));

        TestCollector.Response audit = collector.request("GET", "/api/v1/audit", admin(), null);
        List<?> entries = (List<?>) audit.json().get("entries");
        List<String> actions = entries.stream().map(e -> (String) ((Map<?, ?>) e).get("action")).toList();
        assertTrue(actions.contains("key-release"), actions.toString());
        assertTrue(actions.contains("key-not-found"), actions.toString());
        assertEquals(2, actions.stream().filter("key-import"::equals).count(), actions.toString());
        Map<?, ?> release = entries.stream().map(e -> (Map<?, ?>) e).filter(e -> "key-release".equals(e.get("action"))).findFirst().orElseThrow();
        assertEquals(KEY_ID, release.get("keyId"));
        assertTrue(((String) release.get("actor")).startsWith("agent:"), release.toString());
        assertFalse(audit.body().contains("000011-000022"), "the audit log never holds the password");

        // prefixes are not accepted over the API: they would let a caller enumerate the escrow
        assertEquals(400, collector.request("GET", "/api/v1/keys/64311DEA", agent(), null).status());
    }

    @Test
    void keyReleasesAreRateLimitedPerToken() throws Exception {
        for (int i = 0; i < KEY_RATE; i++) {
            assertEquals(404, collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null).status());
        }
        TestCollector.Response limited = collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null);
        assertEquals(429, limited.status());
        assertTrue(limited.header("Retry-After") != null, limited.headers().toString());
        // another token has its own allowance
        String other = Tokens.add(collector.dir.tokens(), Tokens.Role.AGENT, "site B");
        assertEquals(404, untilStatus(() -> collector.request("GET", "/api/v1/keys/" + KEY_ID, other, null).status(), 404));
    }

    /**
     * Issue 22: an incident-only token outside an incident had each refusal audited (an fsynced row)
     * before the rate limit, 703 rows a second from one token. That token is an enrolment token now
     * (it fetches no key at all); the rate limit comes first, and the refusals it lets through are
     * counted in one audit row per token and minute.
     */
    @Test
    void enrolmentTokenRefusalsAreRateLimitedFirstAndAuditedAsOneCountedRowPerTokenAndMinute() throws Exception {
        String winre = Tokens.add(collector.dir.tokens(), Tokens.Role.AGENT, "winre", true);
        int refused = 0;
        int limited = 0;
        String retryAfter = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (limited < 20 && System.currentTimeMillis() < deadline) {
            TestCollector.Response r = collector.request("GET", "/api/v1/keys/" + KEY_ID, winre, null);
            if (r.status() == 403) {
                refused++;
                assertTrue(r.body().contains("this is an enrolment token"), r.body());
            } else if (r.status() == 429) {
                limited++;
                retryAfter = r.header("Retry-After");
            } else {
                assertEquals(401, r.status(), "until the collector has re-read tokens.json: " + r.body());
            }
        }
        assertEquals(20, limited, "the rate limit holds for refused requests too");
        assertEquals(KEY_RATE, refused, "no more refusals than the token's key rate");
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter) >= 1, "with Retry-After");

        List<Map<?, ?>> rows = ((List<?>) collector.request("GET", "/api/v1/audit", admin(), null).json().get("entries")).stream()
                .<Map<?, ?>>map(e -> (Map<?, ?>) e).filter(e -> "key-refused-enrolment-token".equals(e.get("action"))).toList();
        assertTrue(rows.size() == 1 || rows.size() == 2, "one row a minute (two if the burst crossed a minute): " + rows);
        assertEquals(refused, rows.stream().mapToInt(e -> ((Number) e.get("count")).intValue()).sum(), rows.toString());
        Map<?, ?> row = rows.get(0);
        assertTrue(((String) row.get("actor")).startsWith("agent:"), row.toString());
        assertEquals(KEY_ID, row.get("keyId"));
        // an ordinary release still has a row of its own, counted once
        collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null);
        Map<?, ?> miss = ((List<?>) collector.request("GET", "/api/v1/audit", admin(), null).json().get("entries")).stream()
                .map(e -> (Map<?, ?>) e).filter(e -> "key-not-found".equals(e.get("action"))).findFirst().orElseThrow();
        assertEquals(1, ((Number) miss.get("count")).intValue());
    }

    @Test
    void withoutAnAuditRowNoKeyIsReleased() throws Exception {
        collector.adminClient().importKeys(("KeyID,RecoveryKey\n" + KEY_ID + "," + PASSWORD + "\n").getBytes(StandardCharsets.UTF_8), "k.csv");
        try (Connection c = collector.db.connection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit RENAME TO audit_unavailable");
        }
        TestCollector.Response r = collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null);
        assertEquals(503, r.status());
        assertTrue(r.body().contains("audit"), r.body());
        assertFalse(r.body().contains("000011"), r.body());
        assertFalse(r.body().contains("recoveryPassword"), r.body());
    }

    @Test
    void hostileReportFieldsAreStoredAsTextAndShownEscaped() throws Exception {
        String evil = "x'); DROP TABLE machines;--<script>alert(1)</script>";
        collector.agentClient().sendReport(Reports.bytes(Reports.report(evil, "SN' OR '1'='1", "failed", "2024-07-19T06:00:00Z")));
        collector.agentClient().sendReport(Reports.bytes(Reports.report("PC-OK", "SN1", "fixed", "2024-07-19T06:00:00Z")));
        TestCollector.Response list = collector.request("GET", "/api/v1/machines?q=" + java.net.URLEncoder.encode("'); DROP", StandardCharsets.UTF_8), admin(), null);
        assertEquals(1, ((Number) list.json().get("total")).intValue(), "the search matched the text literally");
        assertEquals(2, ((Number) collector.request("GET", "/api/v1/machines", admin(), null).json().get("total")).intValue(), "the table is still there");
        assertEquals(0, ((Number) collector.request("GET", "/api/v1/machines?q=%25", admin(), null).json().get("total")).intValue(), "% is not a wildcard");

        String cookie = login();
        String page = dashboard("/machines", cookie);
        assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), page);
        assertFalse(page.contains("<script>"), "no markup from a report reaches the page");
    }

    @Test
    void malformedOrOversizedBodiesAre400WithoutInternals() throws Exception {
        for (String body : List.of("{not json", "[]", "{\"schema\":\"bootmedic.report/v1\"}",
                "{\"schema\":\"bootmedic.report/v1\",\"runId\":\"11111111-2222\",\"outcome\":\"pwned\",\"finishedAt\":\"2024-07-19T06:00:00Z\"}",
                "{\"schema\":\"bootmedic.report/v1\",\"runId\":\"11111111-2222\",\"outcome\":\"fixed\",\"finishedAt\":\"yesterday\"}")) {
            TestCollector.Response r = collector.request("POST", "/api/v1/reports", agent(), body.getBytes(StandardCharsets.UTF_8));
            assertEquals(400, r.status(), body);
            assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains("io.bootmedic"), r.body());
        }
        byte[] huge = new byte[2 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        TestCollector.Response r = collector.request("POST", "/api/v1/reports", agent(), huge);
        assertEquals(413, r.status(), "refused from its Content-Length, before it is read");
        assertTrue(r.body().contains("larger than"), r.body());
    }

    /**
     * Issue 22: PostgreSQL cannot store U+0000, so a NUL in a computer name, or a UTF-16 body (a NUL
     * in every ASCII character), was a 500 there, which the agent retries for ever, and stored on
     * SQLite. Both databases now refuse it with a 400 naming the field (or the body), before the database.
     */
    @SuppressWarnings("unchecked")
    @Test
    void aNulInAFieldOrAUtf16BodyIs400NamingItOnEveryDatabaseAndNothingIsStored() throws Exception {
        Map<String, Object> name = Reports.report("PC\0X", "SN0", "fixed", "2024-07-19T06:00:00Z");
        ((List<Map<String, Object>>) name.get("volumes")).get(0).put("volumeId", "vol-1"); // the name alone holds the NUL
        Map<String, Object> serial = Reports.report("PC-NUL", "SN\0", "fixed", "2024-07-19T06:00:00Z");
        Map<String, Object> version = Reports.report("PC-NUL", "SN1", "fixed", "2024-07-19T06:00:00Z");
        version.put("agentVersion", "1.0\0");
        Map<String, Object> volume = Reports.report("PC-NUL", "SN2", "fixed", "2024-07-19T06:00:00Z");
        ((List<Map<String, Object>>) volume.get("volumes")).get(0).put("volumeId", "\0");
        Map<String, Object> source = Reports.withUsedKey(Reports.report("PC-NUL", "SN3", "fixed", "2024-07-19T06:00:00Z"), KEY_ID, "coll\0ector");
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("computerName", new String(Reports.bytes(name), StandardCharsets.UTF_8));
        fields.put("biosSerial", new String(Reports.bytes(serial), StandardCharsets.UTF_8));
        fields.put("agentVersion", new String(Reports.bytes(version), StandardCharsets.UTF_8));
        fields.put("volumeId", new String(Reports.bytes(volume), StandardCharsets.UTF_8));
        fields.put("keySource", new String(Reports.bytes(source), StandardCharsets.UTF_8));
        for (Map.Entry<String, String> f : fields.entrySet()) {
            TestCollector.Response r = collector.request("POST", "/api/v1/reports", agent(), f.getValue().getBytes(StandardCharsets.UTF_8));
            assertEquals(400, r.status(), f.getKey() + ": " + r.body());
            assertTrue(r.body().contains(f.getKey()) && r.body().contains("NUL"), f.getKey() + ": " + r.body());
        }
        byte[] good = Reports.bytes(Reports.report("PC-UTF16", "SN16", "fixed", "2024-07-19T06:00:00Z"));
        for (java.nio.charset.Charset utf16 : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16)) {
            TestCollector.Response r = collector.request("POST", "/api/v1/reports", agent(), new String(good, StandardCharsets.UTF_8).getBytes(utf16));
            assertEquals(400, r.status(), utf16 + ": " + r.body());
            assertTrue(r.body().contains("UTF-8"), utf16 + ": " + r.body());
        }
        assertEquals(0, ((Number) collector.request("GET", "/api/v1/machines", admin(), null).json().get("total")).intValue(), "nothing stored");
        CollectorException e = assertThrows(CollectorException.class, () -> collector.agentClient().sendReport(fields.get("computerName").getBytes(StandardCharsets.UTF_8)));
        assertFalse(e.retryable(), "a refused report is not retried: " + e.getMessage());
        assertEquals(201, collector.request("POST", "/api/v1/reports", agent(), good).status(), "the same report in UTF-8 is stored");
    }

    @Test
    void usedRecoveryPasswordsAreListedForRotationAndMetricsCountEverything() throws Exception {
        collector.agentClient().sendReport(Reports.bytes(Reports.withUsedKey(Reports.report("PC-ROT", "SN9", "fixed", "2024-07-19T06:00:00Z"),
                KEY_ID, "collector")));
        String overview = dashboard("/", login());
        assertTrue(overview.contains("Rotate these recovery keys"), overview);
        assertTrue(overview.contains("{" + KEY_ID + "}"), overview);
        assertTrue(overview.contains("PC-ROT"), overview);

        collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null);
        String metrics = collector.request("GET", "/metrics", admin(), null).body();
        assertTrue(metrics.contains("bootmedic_reports_received_total{result=\"created\"} 1"), metrics);
        assertTrue(metrics.contains("bootmedic_report_outcomes_total{outcome=\"fixed\"} 1"), metrics);
        assertTrue(metrics.contains("bootmedic_key_releases_total{result=\"not_found\"} 1"), metrics);
        assertTrue(metrics.contains("bootmedic_http_request_duration_seconds_bucket{route=\"reports\",le=\"+Inf\"} 1"), metrics);
        assertEquals("ok\n", collector.request("GET", "/healthz", null, null).body());

        String log = java.nio.file.Files.readString(collector.dir.accessLog());
        assertTrue(log.contains("\"path\":\"/api/v1/reports\""), log);
        assertFalse(log.contains(agent()) || log.contains(admin()), "the access log never holds a token");
    }

    @Test
    void machinesWaitingForAKeyAreListedWithTheKeyIdAndWhetherTheEscrowHoldsIt() throws Exception {
        collector.agentClient().sendReport(Reports.bytes(Reports.withLockedVolume(
                Reports.report("LOCKED-PC", "SNL", "needs-key", "2024-07-19T06:00:00Z"), "{" + KEY_ID.toLowerCase() + "}")));
        Map<?, ?> m = (Map<?, ?>) ((List<?>) collector.request("GET", "/api/v1/machines?outcome=needs-key", admin(), null).json().get("machines")).get(0);
        assertEquals(List.of(KEY_ID), m.get("neededKeyIds"));
        String cookie = login();
        String before = dashboard("/", cookie);
        assertTrue(before.contains("Waiting for a recovery key") && before.contains("{" + KEY_ID + "}") && before.contains("not imported"), before);
        assertTrue(dashboard("/machines/" + m.get("id"), cookie).contains("needs recovery key"), "the detail page names the key");

        collector.adminClient().importKeys(("KeyID,RecoveryKey\n" + KEY_ID + "," + PASSWORD + "\n").getBytes(StandardCharsets.UTF_8), "k.csv");
        String imported = dashboard("/", cookie);
        assertTrue(imported.contains("in escrow") && !imported.contains("not imported"), imported);

        // the next boot fetches the key and fixes the machine: it leaves the list
        collector.agentClient().sendReport(Reports.bytes(Reports.withUsedKey(Reports.report("LOCKED-PC", "SNL", "fixed", "2024-07-19T07:00:00Z"),
                KEY_ID, "collector")));
        String after = dashboard("/", cookie);
        assertFalse(after.contains("Waiting for a recovery key"), after);
        assertTrue(after.contains("Rotate these recovery keys"), after);
    }

    @Test
    void theMachineTableExportsAsCsv() throws Exception {
        collector.agentClient().sendReport(Reports.bytes(Reports.report("=HYPERLINK(\"x\")", "SN1", "fixed", "2024-07-19T06:00:00Z")));
        collector.agentClient().sendReport(Reports.bytes(Reports.report("PC-2", "SN2", "failed", "2024-07-19T06:00:00Z")));
        String csv = dashboard("/machines.csv?outcome=fixed", login());
        List<String> lines = csv.lines().toList();
        assertEquals(2, lines.size(), csv);
        assertTrue(lines.get(0).startsWith("machineId,computerName,outcome"), csv);
        assertTrue(lines.get(1).contains("'=HYPERLINK"), "formula cells are defused: " + csv);
    }

    /** Logs in through the form as a browser would; returns the session cookie. */
    String login() throws Exception {
        TestCollector.Response wrong = collector.request("POST", "/login", null, ("token=" + agent()).getBytes(StandardCharsets.UTF_8));
        assertEquals(401, wrong.status());
        TestCollector.Response r = collector.request("POST", "/login", null, ("token=" + admin()).getBytes(StandardCharsets.UTF_8));
        assertEquals(303, r.status(), r.body());
        String setCookie = r.header("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Secure"), setCookie);
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    String dashboard(String path, String cookie) throws Exception {
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(collector.url + path).openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setRequestProperty("Cookie", cookie);
        assertEquals(200, c.getResponseCode(), path);
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
