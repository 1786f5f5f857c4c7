package io.bootmedic.collector;

import io.bootmedic.testutil.Cli;
import io.bootmedic.util.AgentVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * POST and GET /api/v1/readiness against a real collector over HTTPS, sent by the real
 * 'bootmedic readiness' command; the subclasses pick SQLite or PostgreSQL.
 */
abstract class ReadinessApiContract {
    @TempDir
    Path tmp;
    TestCollector collector;
    Path agentConf;

    abstract String jdbcUrl() throws Exception;

    @BeforeEach
    void start() throws Exception {
        collector = TestCollector.start(tmp.resolve("collector"), jdbcUrl(), 5);
        agentConf = tmp.resolve("agent.conf");
        Files.writeString(agentConf, collector.agentConfig().text(), StandardCharsets.UTF_8);
    }

    @AfterEach
    void stop() {
        System.clearProperty("bootmedic.collector.retryMillis");
        collector.close();
    }

    /** A playbook key pair made by the real keygen; returns the public key's ID (16 hex digits). */
    String keygen(Path pubDir, String name) throws Exception {
        Files.createDirectories(pubDir);
        Cli k = Cli.run("playbook", "keygen", "--private", tmp.resolve(name + ".key").toString(), "--public", pubDir.resolve(name + ".pub").toString());
        assertEquals(0, k.exit, k.toString());
        return k.out.substring("key ".length(), "key ".length() + 16);
    }

    Cli readiness(String name, Path keyDir, String state, boolean staged) {
        List<String> args = new java.util.ArrayList<>(List.of("readiness", "--config", agentConf.toString(), "--computer-name", name,
                "--winre-state", state, "--winre-free-bytes", String.valueOf(300L << 20), "--trusted-key-dir", keyDir.toString(),
                "--winre-location", "\\\\?\\GLOBALROOT\\device\\harddisk0\\partition4\\Recovery\\WindowsRE"));
        if (staged) {
            args.add("--staged");
        }
        return Cli.run(args.toArray(new String[0]));
    }

    Map<?, ?> only(String name) throws Exception {
        TestCollector.Response r = collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null);
        assertEquals(200, r.status(), r.body());
        for (Object o : (List<?>) r.json().get("machines")) {
            Map<?, ?> m = (Map<?, ?>) o;
            if (name.equals(m.get("computerName"))) {
                return m;
            }
        }
        throw new AssertionError(name + " not listed: " + r.body());
    }

    @Test
    void aStagedMachineIsArmedAndADisabledWinReLaterDisarmsIt() throws Exception {
        Path machineKeys = tmp.resolve("stick/trusted-keys");
        String keyId = keygen(machineKeys, "fleet");
        // the collector lists the same key as the one published playbooks are signed with
        Files.createDirectories(collector.dir.trustedKeys());
        Files.copy(machineKeys.resolve("fleet.pub"), collector.dir.trustedKeys().resolve("fleet.pub"));

        Cli sent = readiness("PC-ARMED", machineKeys, "enabled", true);
        assertEquals(0, sent.exit, sent.toString());
        assertTrue(sent.out.contains("Readiness of PC-ARMED sent"), sent.out);
        Map<?, ?> m = only("PC-ARMED");
        assertEquals(Boolean.TRUE, m.get("armed"), m.toString());
        assertEquals(List.of(keyId), m.get("trustedKeys"));
        assertEquals(AgentVersion.get(), m.get("agentVersion"));
        assertEquals(300L << 20, ((Number) ((Map<?, ?>) m.get("winre")).get("freeBytes")).longValue());
        assertEquals(Boolean.FALSE, m.get("lowOnSpace"));
        Map<String, Object> fleet = collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null).json();
        assertEquals(1, ((Number) fleet.get("armed")).intValue());
        assertEquals(List.of(keyId), fleet.get("knownKeys"));

        TestCollector.Response page = collector.request("GET", "/armed", collector.created.adminToken(), null);
        assertEquals(200, page.status(), page.body());
        assertTrue(page.body().contains("id=\"armed-count\">1<") && page.body().contains(keyId) && page.body().contains("href=\"/armed\""), page.body());

        Thread.sleep(5); // reportedAt is in milliseconds: the second report must be the newer one
        Cli disabled = readiness("PC-ARMED", machineKeys, "disabled", false);
        assertEquals(0, disabled.exit, disabled.toString());
        m = only("PC-ARMED");
        assertEquals(Boolean.FALSE, m.get("armed"));
        assertEquals(List.of("not-staged", "winre-disabled"), m.get("notArmedBecause"));
        assertEquals(1, ((Number) collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null).json().get("total")).intValue(),
                "one row per machine, the latest");
    }

    @Test
    void aMachineTrustingOnlyAnotherKeyOrAnOlderAgentIsNotArmedAndTheReportReceivedLastIsItsState() throws Exception {
        keygen(collector.dir.trustedKeys(), "fleet");
        Path otherKeys = tmp.resolve("other");
        keygen(otherKeys, "other");
        assertEquals(0, readiness("PC-STRANGER", otherKeys, "enabled", true).exit);
        assertEquals(List.of("unknown-keys"), only("PC-STRANGER").get("notArmedBecause"));

        String old = body("PC-OLD", "0.0.1", "[\"0123456789abcdef\"]", "enabled", "true", "1000", Instant.now().toString());
        assertEquals(201, post(old).status());
        assertEquals(List.of("old-agent", "unknown-keys"), only("PC-OLD").get("notArmedBecause"));
        assertEquals(Boolean.TRUE, only("PC-OLD").get("lowOnSpace"), "1000 bytes free is below what a WinRE update needs");
    }

    /** Issue 22: a UTF-16 body or a NUL in a field is a 400 naming it on both databases, before the database. */
    @Test
    void aStagingRefusedForLackOfRoomIsCountedApartWithWhatToDo() throws Exception {
        Path keys = tmp.resolve("room/trusted-keys");
        keygen(keys, "fleet");
        Cli refused = Cli.run("readiness", "--config", agentConf.toString(), "--computer-name", "PC-SMALL", "--winre-state", "enabled",
                "--winre-free-bytes", String.valueOf(90L << 20), "--trusted-key-dir", keys.toString(), "--refused-no-room");
        assertEquals(0, refused.exit, refused.toString());
        Map<?, ?> m = only("PC-SMALL");
        assertEquals(List.of("no-room"), m.get("notArmedBecause"));
        assertEquals("no-room", ((Map<?, ?>) m.get("winre")).get("refused"));
        assertEquals(Boolean.FALSE, m.get("stale"));
        assertTrue(((Number) m.get("ageSeconds")).longValue() < 600, m.toString());
        Map<String, Object> fleet = collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null).json();
        assertEquals(1, ((Number) fleet.get("refusedNoRoom")).intValue());
        String page = collector.request("GET", "/armed", collector.created.adminToken(), null).body();
        assertTrue(page.contains("id=\"refused-no-room\">1<") && page.contains("KB5028997"), page);
        assertEquals(2, Cli.run("readiness", "--config", agentConf.toString(), "--computer-name", "PC-SMALL", "--winre-state", "enabled",
                "--winre-free-bytes", "1", "--trusted-key-dir", keys.toString(), "--refused-no-room", "--staged").exit, "a contradiction is a usage error");
    }

    @Test
    void aUtf16BodyOrANulInAFieldIs400() throws Exception {
        String good = body("PC-16", "1.0", "[]", "enabled", "true", "1000", Instant.now().toString());
        for (java.nio.charset.Charset utf16 : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
            TestCollector.Response r = collector.request("POST", "/api/v1/readiness", collector.created.agentToken(), good.getBytes(utf16));
            assertEquals(400, r.status(), utf16 + ": " + r.body());
            assertTrue(r.body().contains("UTF-8"), r.body());
        }
        TestCollector.Response nul = post(good.replace("PC-16", "PC\\u000016"));
        assertEquals(400, nul.status(), nul.body());
        assertTrue(nul.body().contains("computerName"), nul.body());
        assertEquals(0, ((Number) collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null).json().get("total")).intValue());
        assertEquals(201, post(good).status());
    }

    /** Issue 22: a clock up to a day fast pinned a machine's Armed state; the readiness received last is its state. */
    @Test
    void aClockADayFastDoesNotPinTheArmedStateTheReadinessReceivedLastIsTheState() throws Exception {
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // the collector keeps milliseconds
        String fast = body("PC-FAST", "1.0", "[]", "enabled", "true", "1000", now.plusSeconds(23 * 3600).toString());
        assertEquals(201, post(fast).status());
        assertEquals("enabled", ((Map<?, ?>) only("PC-FAST").get("winre")).get("state"));
        Thread.sleep(2); // received at a later millisecond
        String corrected = body("PC-FAST", "1.0", "[]", "disabled", "false", "1000", now.toString());
        assertEquals(201, post(corrected).status());
        Map<?, ?> m = only("PC-FAST");
        assertEquals("disabled", ((Map<?, ?>) m.get("winre")).get("state"), "the report received last counts: " + m);
        assertEquals(now.toString(), m.get("reportedAt"), "the agent's time is kept, as information");
        Thread.sleep(2);
        String unset = body("PC-FAST", "1.0", "[]", "enabled", "true", "1000", "2000-01-01T00:00:00Z");
        assertEquals(201, post(unset).status());
        assertEquals("enabled", ((Map<?, ?>) only("PC-FAST").get("winre")).get("state"), "a clock left in 2000 counts too");
    }

    @Test
    void readinessAndRepairReportsOfOneMachineShareItsId() throws Exception {
        collector.agentClient().sendReport(Reports.bytes(Reports.report("PC-0042", "SN42", "fixed", "2024-07-19T07:00:00Z")));
        TestCollector.Response r = post(body("PC-0042", "1.0", "[]", "enabled", "true", "1", Instant.now().toString())
                .replace("\"vmId\":null", "\"vmId\":null,\"biosSerial\":\"SN42\""));
        assertEquals(201, r.status(), r.body());
        Map<?, ?> machine = (Map<?, ?>) ((List<?>) collector.request("GET", "/api/v1/machines", collector.created.adminToken(), null).json()
                .get("machines")).get(0);
        assertEquals(machine.get("id"), r.json().get("machineId"));
    }

    @Test
    void hostileBodiesAreRefusedByNameAndNothingIsStored() throws Exception {
        String now = Instant.now().toString();
        String good = body("PC-H", "1.0", "[]", "enabled", "true", "1", now);
        Map<String, String> hostile = new java.util.LinkedHashMap<>();
        hostile.put(good.replace("bootmedic.readiness/v1", "bootmedic.report/v1"), "schema");
        hostile.put(good.replace("\"vmId\":null", "\"vmId\":null,\"extra\":1"), "unknown field extra");
        hostile.put(good.replace("\"staged\":true", "\"staged\":true,\"evil\":1"), "unknown field winre.evil");
        hostile.put(good.replace("\"computerName\":\"PC-H\",", ""), "computerName is missing");
        hostile.put(good.replace("\"PC-H\"", "\"PC\\u0000H\""), "control characters");
        hostile.put(good.replace("\"PC-H\"", "\"" + "A".repeat(257) + "\""), "longer than 256");
        hostile.put(good.replace("\"enabled\"", "\"maybe\""), "winre.state");
        hostile.put(good.replace("\"staged\":true", "\"staged\":\"yes\""), "winre.staged");
        hostile.put(good.replace("\"freeBytes\":1", "\"freeBytes\":-1"), "winre.freeBytes");
        hostile.put(good.replace("\"freeBytes\":1", "\"freeBytes\":1.5"), "winre.freeBytes");
        hostile.put(good.replace("\"freeBytes\":1", "\"freeBytes\":99999999999999999999999"), "winre.freeBytes");
        hostile.put(good.replace("\"freeBytes\":1", "\"freeBytes\":\"1\""), "winre.freeBytes");
        hostile.put(good.replace("\"trustedKeys\":[]", "\"trustedKeys\":[\"../../etc\"]"), "trustedKeys");
        hostile.put(good.replace("\"trustedKeys\":[]", "\"trustedKeys\":\"0123456789abcdef\""), "trustedKeys");
        hostile.put(good.replace("\"trustedKeys\":[]", "\"trustedKeys\":[" + String.join(",", java.util.Collections.nCopies(33, "\"0123456789abcdef\"")) + "]"),
                "more than 32");
        hostile.put(good.replace("\"1.0\"", "\"1.0<script>\""), "agentVersion");
        hostile.put(good.replace(now, "yesterday"), "reportedAt");
        hostile.put(good.replace(now, Instant.now().plusSeconds(3 * 86400).toString()), "ahead of the collector's clock");
        hostile.put(good + "{}", "more after the JSON object");
        hostile.put("[1,2]", "not a JSON object");
        hostile.put(good.replace("\"winre\":{", "\"winre\":[{").replace("},\"reportedAt\"", "}],\"reportedAt\""), "winre must be an object");
        for (Map.Entry<String, String> h : hostile.entrySet()) {
            TestCollector.Response r = post(h.getKey());
            assertEquals(400, r.status(), h.getValue() + ": " + r.body());
            assertTrue(r.body().contains(h.getValue()), "the answer names the problem (" + h.getValue() + "): " + r.body());
        }
        TestCollector.Response badUtf8 = collector.request("POST", "/api/v1/readiness", collector.created.agentToken(),
                good.replace("PC-H", "PC-\u00e9").getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(400, badUtf8.status(), badUtf8.body());
        TestCollector.Response huge = collector.request("POST", "/api/v1/readiness", collector.created.agentToken(),
                good.replace("\"1.0\"", "\"1.0\"" + " ".repeat(20_000)).getBytes(StandardCharsets.UTF_8));
        assertEquals(413, huge.status(), huge.body());
        assertTrue(huge.body().contains("larger than"), huge.body());
        assertEquals(0, ((Number) collector.request("GET", "/api/v1/readiness", collector.created.adminToken(), null).json().get("total")).intValue());
        assertEquals(201, post(good).status(), "the untouched body is accepted: the refusals above are the changes'");
    }

    @Test
    void tokensAndRolesAreEnforced() throws Exception {
        byte[] good = body("PC-R", "1.0", "[]", "enabled", "true", "1", Instant.now().toString()).getBytes(StandardCharsets.UTF_8);
        assertEquals(401, collector.request("POST", "/api/v1/readiness", null, good).status());
        assertEquals(403, collector.request("POST", "/api/v1/readiness", collector.created.adminToken(), good).status());
        assertEquals(403, collector.request("GET", "/api/v1/readiness", collector.created.agentToken(), null).status());
        assertEquals(405, collector.request("PUT", "/api/v1/readiness", collector.created.adminToken(), good).status());
    }

    @Test
    void anUnreachableCollectorEndsInExitOneWithTheNextStep() throws Exception {
        System.setProperty("bootmedic.collector.retryMillis", "0");
        Path keys = tmp.resolve("k");
        keygen(keys, "k");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cli c = Cli.run("readiness", "--config", agentConf.toString(), "--collector", "https://127.0.0.1:" + port, "--computer-name", "PC-OFF",
                "--winre-state", "enabled", "--winre-free-bytes", "1", "--staged", "--trusted-key-dir", keys.toString());
        assertEquals(1, c.exit, c.toString());
        assertTrue(c.err.contains("readiness not sent") && c.err.contains("run this command again"), c.err);
        assertFalse(c.err.contains(collector.created.agentToken()), "the token never appears");
        Cli bad = Cli.run("readiness", "--config", agentConf.toString(), "--computer-name", "X", "--winre-state", "on", "--winre-free-bytes", "1");
        assertEquals(2, bad.exit, bad.toString());
        assertTrue(bad.err.contains("enabled or disabled"), bad.err);
    }

    TestCollector.Response post(String body) throws Exception {
        return collector.request("POST", "/api/v1/readiness", collector.created.agentToken(), body.getBytes(StandardCharsets.UTF_8));
    }

    static String body(String name, String version, String keys, String state, String staged, String free, String at) {
        return "{\"schema\":\"bootmedic.readiness/v1\",\"agentVersion\":\"" + version + "\",\"computerName\":\"" + name + "\",\"vmId\":null,"
                + "\"trustedKeys\":" + keys + ",\"winre\":{\"state\":\"" + state + "\",\"staged\":" + staged + ",\"freeBytes\":" + free
                + ",\"location\":null},\"reportedAt\":\"" + at + "\"}";
    }
}
