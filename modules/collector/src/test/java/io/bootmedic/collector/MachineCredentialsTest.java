package io.bootmedic.collector;

import io.bootmedic.collector.store.MachineTokens;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22: per-machine credentials. Arming trades the fleet's enrolment token (which fetches no
 * key) for a token bound to one machine's identity and BitLocker key IDs; that token is released
 * only its own keys, only while a publication whose scope includes the machine is active, and the
 * release names the publication. The real CLI and raw HTTPS against a real collector.
 */
class MachineCredentialsTest {
    static final String K42 = "64311DEA-4587-4029-924A-BA299647998E";
    static final String K43 = "11111111-2222-3333-4444-555555555555";
    static final String PW42 = "000011-000022-000033-000044-000055-000066-000077-000088";
    static final String PW43 = "111111-111122-111133-111144-111155-111166-111177-111188";

    @TempDir
    Path tmp;
    TestCollector collector;
    Path conf;
    Path adminToken;
    Path priv;
    Path keyDir;
    String enrolment;

    /** SQLite in the collector's folder; {@link PostgresMachineCredentialsTest} runs the same on PostgreSQL. */
    String jdbcUrl() throws Exception {
        return null;
    }

    @BeforeEach
    void start() throws Exception {
        collector = TestCollector.start(tmp.resolve("collector"), jdbcUrl(), 120);
        conf = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().text());
        adminToken = Files.writeString(tmp.resolve("admin.token"), collector.created.adminToken());
        keyDir = Files.createDirectories(tmp.resolve("trusted-keys"));
        priv = tmp.resolve("publisher.key");
        assertEquals(0, Cli.run("playbook", "keygen", "--private", priv.toString(), "--public", keyDir.resolve("publisher.pub").toString()).exit);
        Files.copy(keyDir.resolve("publisher.pub"), collector.dir.trustedKeys().resolve("publisher.pub"));
        collector.adminClient().importKeys(("Hostname,KeyID,RecoveryKey\nPC-0042.corp.example,{" + K42 + "}," + PW42 + "\nPC-0043,{" + K43 + "},"
                + PW43 + "\n").getBytes(StandardCharsets.UTF_8), "keys.csv");
        Cli add = Cli.run("collector", "token", "add", "--dir", collector.dir.dir().toString(), "--role", "agent", "--enrolment", "--label", "arming");
        assertEquals(0, add.exit, add.toString());
        enrolment = add.out.lines().findFirst().orElseThrow().strip();
        // the running collector re-reads tokens.json within seconds: wait until it knows the new token
        assertEquals(400, CollectorApiContract.untilStatus(() -> collector.request("POST", "/api/v1/enrol", enrolment, "{}".getBytes()).status(), 400));
    }

    @AfterEach
    void stop() {
        collector.close();
    }

    private Path signed(String id, String title) throws Exception {
        Path f = Files.writeString(tmp.resolve(id + ".json"), "{\"id\":\"" + id + "\",\"title\":\"" + title + "\",\"version\":1,\"rules\":[{\"directory\":"
                + "\"Windows/System32/drivers/CrowdStrike\",\"glob\":\"C-00000291*.sys\",\"action\":\"quarantine\"}]}");
        assertEquals(0, Cli.run("playbook", "sign", "--key", priv.toString(), f.toString()).exit);
        return f;
    }

    private Cli publish(Path playbook, String... machines) throws Exception {
        Path list = Files.write(tmp.resolve("scope-" + System.nanoTime() + ".txt"), List.of(machines));
        return Cli.run("collector", "playbook", "publish", playbook.toString(), "--config", conf.toString(), "--admin-token-file", adminToken.toString(),
                "--scope", "machines=" + list);
    }

    private Map<String, Object> enrolRaw(String token, String name, String... keyIds) throws Exception {
        TestCollector.Response r = collector.request("POST", "/api/v1/enrol", token, enrolBody(name, keyIds));
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private static byte[] enrolBody(String name, String... keyIds) {
        return new Enrolment(name, null, null, Map.of(), List.of(keyIds)).toJson();
    }

    private List<Map<?, ?>> audit(String action) throws Exception {
        return ((List<?>) collector.request("GET", "/api/v1/audit?pageSize=1000", collector.created.adminToken(), null).json().get("entries")).stream()
                .<Map<?, ?>>map(e -> (Map<?, ?>) e).filter(e -> action.equals(e.get("action"))).toList();
    }

    @Test
    void anArmedMachinesTokenOpensOnlyItsOwnDiskAndOnlyWhileAPublicationsScopeIncludesIt() throws Exception {
        Cli list = Cli.run("collector", "token", "list", "--dir", collector.dir.dir().toString());
        assertTrue(list.out.lines().anyMatch(l -> l.contains("none (enrol)") && l.contains("arming")), list.toString());
        assertEquals(2, Cli.run("collector", "token", "add", "--dir", collector.dir.dir().toString(), "--role", "admin", "--enrolment").exit);

        Path enrolConf = Files.writeString(tmp.resolve("enrol.conf"), collector.agentConfig().withToken(enrolment).text());
        Path machineConf = tmp.resolve("machine.conf");
        Cli armed = Cli.run("readiness", "--config", enrolConf.toString(), "--enrol", machineConf.toString(), "--bitlocker-key-id", "{" + K42.toLowerCase() + "}",
                "--computer-name", "PC-0042", "--winre-state", "enabled", "--winre-free-bytes", "400000000", "--staged", "--trusted-key-dir", keyDir.toString());
        assertEquals(0, armed.exit, armed.toString());
        String machine = AgentConfig.read(machineConf).token();
        assertTrue(machine.startsWith(MachineTokens.PREFIX), machine);
        assertFalse(armed.out.contains(machine) || armed.err.contains(machine), "the token is never printed");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(machineConf)));
        assertEquals(AgentConfig.read(enrolConf).url(), AgentConfig.read(machineConf).url(), "the rest of agent.conf is kept");
        assertEquals(2, Cli.run("readiness", "--config", enrolConf.toString(), "--enrol", enrolConf.toString(), "--computer-name", "PC-0042",
                "--winre-state", "enabled", "--winre-free-bytes", "1").exit, "the payload's agent.conf is never overwritten");
        Map<?, ?> ready = ((List<?>) collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null).json().get("machines")).stream()
                .map(m -> (Map<?, ?>) m).filter(m -> "PC-0042".equals(m.get("computerName"))).findFirst().orElseThrow();
        assertEquals(true, ((Map<?, ?>) ready.get("winre")).get("staged"), "readiness sent with the machine's own token");

        String key42 = "/api/v1/keys/" + K42;
        TestCollector.Response r = collector.request("GET", key42, machine, null);
        assertEquals(403, r.status(), r.body());
        assertTrue(r.body().contains("no active playbook's scope includes machine PC-0042"), r.body());

        Path playbook = signed("acme-cs291", "Channel file 291");
        assertEquals(0, publish(playbook, "PC-0099").exit);
        assertEquals(403, collector.request("GET", key42, machine, null).status(), "an incident elsewhere opens nothing here");
        // the machine's token asks as its machine, whatever the query claims
        assertEquals(List.of(), collector.request("GET", "/api/v1/playbooks/active?computerName=PC-0099", machine, null).json().get("playbooks"));

        assertEquals(0, publish(playbook, "PC-0042", "PC-0099").exit, "the same publication re-scoped");
        r = collector.request("GET", key42, machine, null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains(PW42), "released to its own machine during its incident");
        assertEquals(1, ((List<?>) collector.request("GET", "/api/v1/playbooks/active?computerName=NOBODY", machine, null).json().get("playbooks")).size());
        r = collector.request("GET", "/api/v1/keys/" + K43, machine, null);
        assertEquals(403, r.status(), "another machine's key");
        assertTrue(r.body().contains("not one of the BitLocker keys machine PC-0042 was armed with") && !r.body().contains(PW43), r.body());
        r = collector.request("GET", key42, enrolment, null);
        assertEquals(403, r.status(), "the enrolment token fetches no key, incident or not");
        assertTrue(r.body().contains("enrolment token") && !r.body().contains(PW42), r.body());

        String publication = io.bootmedic.playbook.PublishedPlaybook.publicationId(Files.readAllBytes(playbook));
        Map<?, ?> release = audit("key-release").stream().filter(e -> K42.equals(e.get("keyId"))).findFirst().orElseThrow();
        assertTrue(((String) release.get("actor")).startsWith("machine:"), release.toString());
        String detail = (String) release.get("detail");
        assertTrue(detail.contains("PC-0042") && detail.contains("publication " + publication) && detail.contains("acme-cs291"), detail);
        assertFalse(audit("key-refused-out-of-scope").isEmpty());
        assertFalse(audit("key-refused-not-this-machine").isEmpty());
        assertFalse(audit("key-refused-enrolment-token").isEmpty());
        assertFalse(audit("machine-enrol").isEmpty());

        // one token is one machine: it mints no tokens, speaks for no other machine
        assertEquals(403, collector.request("POST", "/api/v1/enrol", machine, enrolBody("PC-0042", K42)).status());
        byte[] other = new Readiness("1.0.0", "PC-0043", null, null, List.of(), Readiness.WinReState.ENABLED, true, 1L << 30, null,
                System.currentTimeMillis()).toJson();
        assertEquals(403, collector.request("POST", "/api/v1/readiness", machine, other).status());

        assertEquals(0, Cli.run("collector", "playbook", "retire", publication, "--config", conf.toString(), "--admin-token-file", adminToken.toString()).exit);
        assertEquals(403, collector.request("GET", key42, machine, null).status(), "the incident is over");
    }

    @Test
    void aKeyIdBelongsToOneMachineAndArmingAgainReplacesTheToken() throws Exception {
        Map<String, Object> first = enrolRaw(enrolment, "PC-0042", K42);
        TestCollector.Response r = collector.request("POST", "/api/v1/enrol", enrolment, enrolBody("PC-0077", K42));
        assertEquals(409, r.status());
        assertTrue(r.body().contains("belongs to machine PC-0042") && r.body().contains("revoke"), r.body());
        r = collector.request("POST", "/api/v1/enrol", enrolment, enrolBody("PC-0042", K43));
        assertEquals(409, r.status(), "escrowed for another host");
        assertTrue(r.body().contains("escrowed for host PC-0043"), r.body());

        Map<String, Object> second = enrolRaw(enrolment, "pc-0042", K42);
        assertEquals(List.of(first.get("tokenId")), second.get("replaced"), "names compare as Windows does");
        assertEquals(first.get("machineId"), second.get("machineId"));
        assertEquals(401, collector.request("GET", "/api/v1/keys/" + K42, (String) first.get("token"), null).status(), "the old token is gone");
        assertEquals(403, collector.request("GET", "/api/v1/keys/" + K42, (String) second.get("token"), null).status(), "the new one works (no incident)");
        assertNotEquals(first.get("token"), second.get("token"));
    }

    @Test
    void hostileEnrolmentsAreRefusedByNameAndStoreNothing() throws Exception {
        String[] bodies = {
            "not json",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"PC-1\",\"keyIds\":[],\"admin\":true}",
            "{\"schema\":\"bootmedic.enrol/v2\",\"computerName\":\"PC-1\",\"keyIds\":[]}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"PC\\u00001\",\"keyIds\":[]}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"../PC\",\"keyIds\":[]}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"PC-1\",\"keyIds\":[\"64311DEA\"]}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"PC-1\",\"keyIds\":\"" + K42 + "\"}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"PC-1\",\"keyIds\":[],\"tags\":{\"site\":7}}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"" + "A".repeat(129) + "\",\"keyIds\":[]}",
            "{\"schema\":\"bootmedic.enrol/v1\",\"computerName\":\"PC-1\",\"keyIds\":[" + "\"" + K42 + "\",".repeat(65) + "\"" + K42 + "\"]}",
        };
        for (String b : bodies) {
            TestCollector.Response r = collector.request("POST", "/api/v1/enrol", enrolment, b.getBytes(StandardCharsets.UTF_8));
            assertEquals(400, r.status(), b + " -> " + r.body());
            assertTrue(r.body().contains("bootmedic.enrol/v1"), r.body());
        }
        assertEquals(403, collector.request("POST", "/api/v1/enrol", collector.created.adminToken(), enrolBody("PC-1")).status(), "agent role only");
        assertTrue(audit("machine-enrol").isEmpty(), "nothing enrolled");
        assertEquals(0, new MachineTokens(collector.db).liveCount());
    }

    @Test
    void theDashboardRevokesAMachineTokenOnEveryCollectorOfTheDatabase() throws Exception {
        Map<String, Object> e = enrolRaw(enrolment, "PC-0042", K42);
        String token = (String) e.get("token");
        String id = (String) e.get("tokenId");
        MachineTokens otherCollector = new MachineTokens(collector.db); // a second collector's view of the same database
        assertTrue(otherCollector.authenticate(token, System.currentTimeMillis()).isPresent());

        String cookie = login();
        String page = get("/enrolled", cookie);
        assertTrue(page.contains("PC-0042") && page.contains(id) && page.contains("{" + K42 + "}"), page);
        assertFalse(page.contains(token), "the page never shows a token");
        assertEquals(403, post("/enrolled/revoke", cookie, "token=" + id, "https://evil.example"), "a form from elsewhere");
        assertEquals(200, collector.request("GET", "/api/v1/playbooks/active", token, null).status(), "still live");
        assertEquals(303, post("/enrolled/revoke", cookie, "token=" + id, null));
        assertEquals(401, collector.request("GET", "/api/v1/playbooks/active", token, null).status(), "revoked here at once");
        long deadline = System.currentTimeMillis() + 10_000;
        while (otherCollector.authenticate(token, System.currentTimeMillis()).isPresent() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(otherCollector.authenticate(token, System.currentTimeMillis()).isPresent(), "and on the other collector within seconds");
        assertTrue(get("/enrolled", cookie).contains("revoked"));
        Map<?, ?> row = audit("machine-revoke").get(0);
        assertTrue(((String) row.get("actor")).startsWith("admin:") && ((String) row.get("detail")).contains("PC-0042"), row.toString());
        assertEquals(404, post("/enrolled/revoke", cookie, "token=zzz", null));
    }

    private String login() throws Exception {
        TestCollector.Response r = collector.request("POST", "/login", null, ("token=" + collector.created.adminToken()).getBytes(StandardCharsets.UTF_8));
        assertEquals(303, r.status(), r.body());
        String setCookie = r.header("Set-Cookie");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private HttpsURLConnection open(String path, String cookie) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) new URL(collector.url + path).openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty("Cookie", cookie);
        return c;
    }

    private String get(String path, String cookie) throws Exception {
        HttpsURLConnection c = open(path, cookie);
        assertEquals(200, c.getResponseCode(), path);
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** java.net.http: HttpURLConnection silently drops an Origin header (a restricted header there). */
    private int post(String path, String cookie, String form, String origin) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().sslContext(TestCollector.trustAll()).build();
        java.net.http.HttpRequest.Builder req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(collector.url + path)).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString(form));
        if (origin != null) {
            req.header("Origin", origin);
        }
        return client.send(req.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
