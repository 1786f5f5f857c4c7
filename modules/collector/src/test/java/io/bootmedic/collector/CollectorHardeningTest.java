package io.bootmedic.collector;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ten defects of issue 15 (#2 to #10), each against a running collector on SQLite. */
class CollectorHardeningTest {
    static final String KEY_ID = "64311DEA-4587-4029-924A-BA299647998E";
    static final String PASSWORD = "000011-000022-000033-000044-000055-000066-000077-000088";

    @TempDir
    Path tmp;
    TestCollector collector;

    @BeforeEach
    void start() throws Exception {
        collector = TestCollector.start(tmp.resolve("collector"), null, 60);
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

    TestCollector.Response post(String token, byte[] body) throws Exception {
        return collector.request("POST", "/api/v1/reports", token, body);
    }

    String login() throws Exception {
        TestCollector.Response r = collector.request("POST", "/login", null, ("token=" + admin()).getBytes(StandardCharsets.UTF_8));
        assertEquals(303, r.status(), r.body());
        String setCookie = r.header("Set-Cookie");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    int dashboardStatus(String path, String cookie) throws Exception {
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(collector.url + path).openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty("Cookie", cookie);
        return c.getResponseCode();
    }

    String dashboard(String path, String cookie) throws Exception {
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(collector.url + path).openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setRequestProperty("Cookie", cookie);
        assertEquals(200, c.getResponseCode(), path);
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void revokingTheAdminTokenEndsTheDashboardSessionsMadeWithIt() throws Exception {
        String cookie = login();
        assertEquals(200, dashboardStatus("/", cookie));
        String adminId = Tokens.entries(collector.dir.tokens()).stream().filter(e -> e.role() == Tokens.Role.ADMIN).findFirst().orElseThrow().id();
        assertTrue(Tokens.revoke(collector.dir.tokens(), adminId));
        assertEquals(303, CollectorApiContract.untilStatus(() -> dashboardStatus("/", cookie), 303), "the session went with its token");
    }

    @Test
    void agentTimesBeyondTheClockSkewAllowanceAre400AndTheLastReportReceivedIsTheState() throws Exception {
        for (String when : List.of("9999-12-31T00:00:00Z", "+1000000000-12-31T00:00:00Z", Instant.now().plusSeconds(25 * 3600).toString())) {
            TestCollector.Response r = post(agent(), Reports.bytes(Reports.report("PC-SKEW", "SNS", "fixed", when)));
            assertEquals(400, r.status(), when + ": " + r.body());
            assertTrue(r.body().contains("finishedAt"), r.body());
        }
        Instant now = Instant.now();
        // within the allowance: a clock a few hours fast is fine
        assertEquals(201, post(agent(), Reports.bytes(Reports.report("PC-SKEW", "SNS", "failed", now.minusSeconds(3 * 3600).toString()))).status());
        assertEquals(201, post(agent(), Reports.bytes(Reports.report("PC-SKEW", "SNS", "fixed", now.plusSeconds(3600).toString()))).status());
        assertEquals("fixed", outcome("PC-SKEW"));
        // the agent's time orders nothing (issue 22): the report received last is the machine's state
        assertEquals(201, post(agent(), Reports.bytes(Reports.report("PC-SKEW", "SNS", "needs-key", now.minusSeconds(2 * 3600).toString()))).status());
        assertEquals("needs-key", outcome("PC-SKEW"));
    }

    private String outcome(String name) throws Exception {
        List<?> machines = (List<?>) collector.request("GET", "/api/v1/machines?q=" + name, admin(), null).json().get("machines");
        assertEquals(1, machines.size());
        return (String) ((Map<?, ?>) machines.get(0)).get("outcome");
    }

    @Test
    void reportsAreCappedAndAMachinesHistoryComesInPages() throws Exception {
        Map<String, Object> big = Reports.report("PC-BIG", "SNB", "fixed", "2024-07-19T06:00:00Z");
        big.put("padding", "x".repeat(300 << 10));
        TestCollector.Response refused = post(agent(), Reports.bytes(big));
        assertEquals(413, refused.status(), "a 300 KiB report is over the cap (413, from its Content-Length)");
        assertTrue(refused.body().contains("larger than"), refused.body());

        for (int i = 0; i < 25; i++) {
            assertEquals(201, post(agent(), Reports.bytes(Reports.report("PC-HIST", "SNH", "fixed",
                    Instant.parse("2024-07-19T06:00:00Z").plusSeconds(i * 60L).toString()))).status());
        }
        Map<?, ?> m = (Map<?, ?>) ((List<?>) collector.request("GET", "/api/v1/machines?q=PC-HIST", admin(), null).json().get("machines")).get(0);
        String path = "/api/v1/machines/" + m.get("id");
        Map<String, Object> first = collector.request("GET", path, admin(), null).json();
        assertEquals(20, ((List<?>) first.get("reports")).size());
        assertEquals(25, ((Number) first.get("total")).intValue());
        assertEquals(5, ((List<?>) collector.request("GET", path + "?page=2", admin(), null).json().get("reports")).size());
        assertEquals(20, ((List<?>) collector.request("GET", path + "?pageSize=1000", admin(), null).json().get("reports")).size(),
                "a page never holds more than 20 report bodies");
        String page = dashboard("/machines/" + m.get("id"), login());
        assertTrue(page.contains("page 1 of 2") && page.contains("history-next"), "the dashboard history is paged too");
    }

    @Test
    void aMalformedPercentEscapeAtLoginIs400WithoutAStackTrace() throws Exception {
        java.io.PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        TestCollector.Response r;
        try {
            r = collector.request("POST", "/login", null, "token=%zz".getBytes(StandardCharsets.US_ASCII));
        } finally {
            System.setErr(err);
        }
        assertEquals(400, r.status(), r.body());
        assertFalse(r.body().contains("Exception"), r.body());
        assertFalse(captured.toString(StandardCharsets.UTF_8).contains("Exception"), "no stack trace in the log: " + captured);
        assertEquals(400, collector.request("GET", "/api/v1/keys/%zz", agent(), null).status());
    }

    @Test
    void anAuditRowIsWrittenWithFullSynchronousCommitsOnSqlite() throws Exception {
        int during = collector.db.durably(c -> {
            try (ResultSet rs = c.createStatement().executeQuery("PRAGMA synchronous")) {
                return rs.getInt(1);
            }
        });
        assertEquals(2, during, "FULL: the WAL is synced at each commit");
        try (var c = collector.db.connection(); ResultSet rs = c.createStatement().executeQuery("PRAGMA synchronous")) {
            assertEquals(1, rs.getInt(1), "other work keeps NORMAL");
        }
    }

    @Test
    void csvCellsAreDefusedAfterEverySeparatorAFormulaCouldHideBehind() throws Exception {
        for (String name : List.of("PC;=HYPERLINK(\"http://x\")", "PC\t@SUM(1)", "PC,+1", "PC\r-2", "-PC", "PC|=cmd")) {
            assertEquals(201, post(agent(), Reports.bytes(Reports.report(name, "SN-" + name.hashCode(), "fixed", "2024-07-19T06:00:00Z"))).status());
        }
        String csv = dashboard("/machines.csv", login());
        for (String danger : List.of(";=", "\t@", ",+", "\r-", "|=")) {
            assertFalse(csv.contains(danger), "no formula right after " + danger.charAt(0) + ": " + csv);
        }
        assertTrue(csv.contains("PC;'=HYPERLINK") && csv.contains("'-PC"), csv);
    }

    @Test
    void rolesAreExactTheAdminTokenSendsNoReportAndFetchesNoKey() throws Exception {
        collector.adminClient().importKeys(("KeyID,RecoveryKey\n" + KEY_ID + "," + PASSWORD + "\n").getBytes(StandardCharsets.UTF_8), "k.csv");
        TestCollector.Response key = collector.request("GET", "/api/v1/keys/" + KEY_ID, admin(), null);
        assertEquals(403, key.status());
        assertFalse(key.body().contains("000011"), key.body());
        assertEquals(403, post(admin(), Reports.bytes(Reports.report("PC-A", "SNA", "fixed", "2024-07-19T06:00:00Z"))).status());
        String metricsToken = Tokens.add(collector.dir.tokens(), Tokens.Role.METRICS, "prometheus");
        assertEquals(403, CollectorApiContract.untilStatus(() -> collector.request("GET", "/api/v1/keys/" + KEY_ID, metricsToken, null).status(), 403));
        assertEquals(403, collector.request("GET", "/api/v1/machines", metricsToken, null).status());
        assertEquals(200, collector.request("GET", "/api/v1/keys/" + KEY_ID, agent(), null).status());
    }

    @Test
    void aMalformedKeyExportNeverRepeatsItsDigitsInTheAnswer() throws Exception {
        String digits = PASSWORD.replace("-", "");
        for (String export : List.of("{\"value\":[{\"id\":\"" + KEY_ID + "\",\"key\":x" + digits + "}]}",
                "[x" + PASSWORD + "]", "{\"value\":[{\"id\":\"" + KEY_ID + "\",\"key\":\"" + PASSWORD + "\"")) {
            TestCollector.Response r = collector.request("POST", "/api/v1/keys/import?name=k.json", admin(), export.getBytes(StandardCharsets.UTF_8));
            assertFalse(r.body().contains("000011") || r.body().contains("000088") || r.body().contains("0000220000"), export + " -> " + r.body());
        }
    }

    @Test
    void loginAttemptsAreRateLimitedPerAddress() throws Exception {
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 30; i++) {
            TestCollector.Response r = collector.request("POST", "/login", null, "token=bmadm_guess".getBytes(StandardCharsets.UTF_8));
            if (r.status() == 429) {
                limited++;
                retryAfter = r.header("Retry-After");
            } else {
                assertEquals(401, r.status());
            }
        }
        assertTrue(limited >= 5, "the 21st attempt within a minute is refused");
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter) >= 1, "with Retry-After");
    }

    @Test
    void trailingBytesAndOverlongUtf8AreRefused() throws Exception {
        byte[] good = Reports.bytes(Reports.report("PC-J", "SNJ", "fixed", "2024-07-19T06:00:00Z"));
        byte[] trailing = (new String(good, StandardCharsets.UTF_8).strip() + " {\"x\":1}").getBytes(StandardCharsets.UTF_8);
        assertEquals(400, post(agent(), trailing).status(), "a second value after the object");
        byte[] garbage = (new String(good, StandardCharsets.UTF_8).strip() + "garbage").getBytes(StandardCharsets.UTF_8);
        assertEquals(400, post(agent(), garbage).status());
        String text = new String(Reports.bytes(Reports.report("PC-OVERLONG", "SNO", "fixed", "2024-07-19T06:00:00Z")), StandardCharsets.UTF_8);
        int at = text.indexOf("PC-OVERLONG") + 2; // replace the '-' by its overlong two-byte form C0 AD
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
        b.write(0xC0);
        b.write(0xAD);
        b.writeBytes(text.substring(at + 1).getBytes(StandardCharsets.UTF_8));
        TestCollector.Response r = post(agent(), b.toByteArray());
        assertEquals(400, r.status(), r.body());
        assertTrue(r.body().contains("UTF-8"), r.body());
        assertEquals(201, post(agent(), good).status(), "white space after the object is fine");
    }

    @Test
    void theDatabaseItsWalAndTheAccessLogAreReadableByTheOwnerOnly() throws Exception {
        assertEquals(201, post(agent(), Reports.bytes(Reports.report("PC-P", "SNP", "fixed", "2024-07-19T06:00:00Z"))).status());
        for (String f : List.of("collector.db", "collector.db-wal", "collector.db-shm", "access.log")) {
            Path p = collector.dir.dir().resolve(f);
            assertTrue(Files.exists(p), f);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), f);
        }
    }

    @Test
    void aSecondServeOnTheSameFolderIsRefusedWithOneClearLine() throws Exception {
        try (FolderLock held = FolderLock.acquire(collector.dir)) {
            Cli second = Cli.run("collector", "serve", "--dir", collector.dir.dir().toString(), "--port", "0", "--bind", "127.0.0.1");
            assertEquals(2, second.exit, second.toString());
            assertTrue(second.err.contains("another collector is already serving"), second.err);
            assertFalse(second.err.contains("\tat "), "no stack trace: " + second.err);
        }
    }

    @Test
    void metricsNeedAMetricsOrAdminToken() throws Exception {
        assertEquals(401, collector.request("GET", "/metrics", null, null).status());
        assertEquals(401, collector.request("GET", "/metrics", "bmmet_wrong", null).status());
        assertEquals(401, collector.request("GET", "/metrics", agent(), null).status(), "an agent token is not enough");
        String metricsToken = Tokens.add(collector.dir.tokens(), Tokens.Role.METRICS, "prometheus");
        TestCollector.Response r = CollectorApiContract.untilResponse(() -> collector.request("GET", "/metrics", metricsToken, null), 200);
        assertTrue(r.body().contains("bootmedic_http_requests_total"), r.body());
        // written by the Prometheus client library: every family has its HELP and TYPE
        assertTrue(r.body().contains("# HELP bootmedic_http_requests_total HTTP answers, by status.") && r.body().contains("# TYPE bootmedic_http_requests_total counter"), r.body());
        assertTrue(r.header("Content-Type").startsWith("text/plain; version=0.0.4"), r.header("Content-Type"));
        assertEquals(200, collector.request("GET", "/metrics", admin(), null).status());
    }
}
