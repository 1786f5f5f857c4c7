package io.bootmedic.collector;

import io.bootmedic.playbook.PlaybookKeys;
import io.bootmedic.playbook.PlaybookSignature;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import io.bootmedic.util.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Playbooks published through a real collector (in-process, HTTPS, SQLite): the collector refuses
 * what it cannot verify, agents apply a scoped playbook after verifying it themselves (fix --root
 * and fix --image), a tampered or unsigned one served from the database is refused with nothing
 * changed by it, and retiring stops it.
 */
class CollectorPlaybooksTest {
    /** Quarantines the channel-290 lookalike of the practice tree, which the built-in playbook (291 only) leaves alone. */
    static final String PLAYBOOK = """
            {"id":"acme-cf290","title":"Channel file 290 (test incident)","version":3,
             "rules":[{"directory":"Windows/System32/drivers/CrowdStrike","glob":"C-00000290*.sys","headerHex":"AAAAAAAA",
                       "modifiedBefore":"2024-07-19T05:27:00Z","action":"quarantine"}]}
            """;
    static final String CS = PracticeTree.CROWDSTRIKE_DIR + "/";

    @TempDir
    Path tmp;
    TestCollector collector;
    Path conf;
    Path adminToken;
    Path pub;
    Path priv;

    /** SQLite in the collector's folder; {@link PostgresCollectorPlaybooksTest} runs the same on PostgreSQL. */
    String jdbcUrl() throws Exception {
        return null;
    }

    @BeforeEach
    void start() throws Exception {
        collector = TestCollector.start(tmp.resolve("collector"), jdbcUrl(), 120);
        conf = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().text());
        adminToken = Files.writeString(tmp.resolve("admin.token"), collector.created.adminToken());
        pub = tmp.resolve("publisher.pub");
        priv = tmp.resolve("publisher.key");
        assertEquals(0, Cli.run("playbook", "keygen", "--private", priv.toString(), "--public", pub.toString()).exit);
        assertTrue(Files.isDirectory(collector.dir.trustedKeys()), "collector init makes trusted-keys/");
        Files.copy(pub, collector.dir.trustedKeys().resolve("publisher.pub"));
    }

    @AfterEach
    void stop() {
        collector.close();
        System.clearProperty("bootmedic.collector.retryMillis");
    }

    private Path signed(String name, String json) throws Exception {
        Path f = Files.writeString(tmp.resolve(name), json);
        Cli sign = Cli.run("playbook", "sign", "--key", priv.toString(), f.toString());
        assertEquals(0, sign.exit, sign.toString());
        return f;
    }

    private Cli publish(Path file, String... scope) {
        List<String> args = new java.util.ArrayList<>(List.of("collector", "playbook", "publish", file.toString(), "--config", conf.toString(),
                "--admin-token-file", adminToken.toString()));
        args.addAll(List.of(scope));
        return Cli.run(args.toArray(String[]::new));
    }

    private String publicationOf(Path file) throws Exception {
        return io.bootmedic.playbook.PublishedPlaybook.publicationId(Files.readAllBytes(file));
    }

    private Path practiceTree(String name, String computerName) throws Exception {
        Path root = tmp.resolve(name);
        PracticeTree.create(root);
        if (computerName != null) {
            Files.write(root.resolve("Windows/System32/config/SYSTEM"), PracticeTree.systemHive(computerName));
        }
        return root;
    }

    private Map<String, Object> fixJson(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("fix"));
        all.addAll(List.of(args));
        all.add("--json");
        Cli fix = Cli.run(all.toArray(String[]::new));
        assertEquals(0, fix.exit, fix.toString());
        return Json.readObject(fix.out.getBytes(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String field) {
        return (List<Map<String, Object>>) (List<?>) Json.list(m, field);
    }

    private static List<String> quarantinedPaths(Map<String, Object> report) {
        return list(report, "volumes").stream().flatMap(v -> list(v, "actions").stream())
                .filter(a -> "quarantined".equals(a.get("action"))).map(a -> a.get("path") + " by " + a.get("rule")).toList();
    }

    private Path machinesFile(String... names) throws Exception {
        return Files.write(tmp.resolve("machines.txt"), List.of(names));
    }

    /** Issue 25: a playbook of repair rules is published, fetched and applied as a file playbook is, each action named after it. */
    @Test
    void aPublishedRepairPlaybookIsAppliedByTheAgentAndItsActionsNamedAfterIt() throws Exception {
        Path playbook = signed("reg.json", """
                {"id":"acme-reg","title":"no automatic reboot after a bug check (test incident)","version":2,
                 "rules":[{"id":"crash","action":"set-registry","hive":"SYSTEM","key":"CurrentControlSet\\\\Control\\\\ComputerName\\\\ComputerName",
                           "value":"BootmedicProbe","type":"REG_DWORD","data":7}]}
                """);
        assertEquals(0, publish(playbook).exit);
        Path root = practiceTree("reg", null);
        Map<String, Object> report = fixJson("--root", root.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        List<Map<String, Object>> actions = list(report, "volumes").stream().flatMap(v -> list(v, "actions").stream())
                .filter(a -> "repaired".equals(a.get("action"))).toList();
        assertEquals(1, actions.size(), report.toString());
        assertEquals("acme-reg/crash@2", actions.get(0).get("rule"));
        assertEquals("(absent) -> 7", actions.get(0).get("detail"));
        org.junit.jupiter.api.Assumptions.assumeTrue(io.bootmedic.testutil.Tools.run(List.of("sh", "-c", "command -v hivexget")).exit() == 0);
        assertEquals("7", io.bootmedic.testutil.Tools.ok("hivexget", root.resolve("Windows/System32/config/SYSTEM").toString(),
                "\\ControlSet001\\Control\\ComputerName\\ComputerName", "BootmedicProbe").strip());
    }

    @Test
    void aScopedPlaybookIsAppliedByTheMachinesInScopeOnlyAndCountedPerMachine() throws Exception {
        Path playbook = signed("cf290.json", PLAYBOOK);
        Cli published = publish(playbook, "--scope", "machines=" + machinesFile("# the practice PC", "practice-pc01"));
        assertEquals(0, published.exit, published.toString());
        String id = publicationOf(playbook);
        assertTrue(published.out.contains("publication " + id), published.toString());

        // in scope (the name compares case-insensitively): the collector's playbook quarantines the 290 file too
        Path inScope = practiceTree("in", null);
        Map<String, Object> report = fixJson("--root", inScope.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        assertFalse(Files.exists(inScope.resolve(CS + PracticeTree.OTHER_CHANNEL)), "the collector playbook's file is quarantined");
        assertFalse(Files.exists(inScope.resolve(CS + PracticeTree.FAULTY)), "the built-in playbook still ran");
        assertTrue(Files.exists(inScope.resolve(CS + PracticeTree.REVERTED)));
        List<Map<String, Object>> applied = list(report, "playbooks");
        assertEquals(2, applied.size(), report.toString());
        assertEquals("built-in", applied.get(0).get("source"));
        assertEquals(Map.of("id", "acme-cf290", "version", "3", "source", "collector", "publication", id, "signedBy",
                io.bootmedic.playbook.PlaybookKeys.readPublic(pub).id()), applied.get(1));
        assertEquals(List.of(), list(report, "refusedPlaybooks"));
        assertTrue(quarantinedPaths(report).contains(CS + PracticeTree.OTHER_CHANNEL + " by acme-cf290#1@3"), quarantinedPaths(report).toString());

        // out of scope: another computer name gets only the built-in playbook
        Path outOfScope = practiceTree("out", "OTHER-PC");
        Map<String, Object> other = fixJson("--root", outOfScope.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        assertTrue(Files.exists(outOfScope.resolve(CS + PracticeTree.OTHER_CHANNEL)), "out of scope: left alone");
        assertFalse(Files.exists(outOfScope.resolve(CS + PracticeTree.FAULTY)));
        assertEquals(1, list(other, "playbooks").size(), other.toString());

        // without --collector-playbooks a --root run does not ask the collector
        Path notAsked = practiceTree("plain", null);
        fixJson("--root", notAsked.toString(), "--config", conf.toString());
        assertTrue(Files.exists(notAsked.resolve(CS + PracticeTree.OTHER_CHANNEL)));

        // the collector counts machines whose latest report applied the publication
        TestCollector.Response listed = collector.request("GET", "/api/v1/playbooks", collector.created.adminToken(), null);
        assertEquals(200, listed.status(), listed.body());
        Map<String, Object> row = list(listed.json(), "playbooks").get(0);
        assertEquals(id, row.get("publication"));
        assertNull(row.get("retiredAt"));
        assertEquals(Map.of("fixed", 1, "failing", 0, "waitingForKey", 0), row.get("machines"), listed.body());

        // and so does the dashboard's Playbooks page, with the machine and when it reported
        String page = dashboardPage("/playbooks");
        assertTrue(page.contains("<td class=\"fixed\">1</td><td class=\"failing\">0</td><td class=\"needs-key\">0</td>"), page);
        assertTrue(page.contains(">" + PracticeTree.COMPUTER_NAME + "</a>"), page);

        // the same bytes again replace the scope (200); the agent token may not publish or list
        Cli again = publish(playbook, "--scope", "tag=site=berlin");
        assertEquals(0, again.exit, again.toString());
        assertTrue(again.out.contains("scope replaced"), again.toString());
        assertEquals(403, collector.request("GET", "/api/v1/playbooks", collector.created.agentToken(), null).status());
        assertEquals(403, collector.request("GET", "/api/v1/playbooks/active", collector.created.adminToken(), null).status());
    }

    @Test
    void aTagScopeReachesTheAgentsWhoseAgentConfCarriesTheTag() throws Exception {
        Path playbook = signed("cf290.json", PLAYBOOK);
        assertEquals(0, publish(playbook, "--scope", "tag=site=berlin").exit);
        Path untagged = practiceTree("untagged", null);
        fixJson("--root", untagged.toString(), "--config", conf.toString(), "--collector-playbooks", "--trusted-key", pub.toString());
        assertTrue(Files.exists(untagged.resolve(CS + PracticeTree.OTHER_CHANNEL)), "no tag: not targeted");

        AgentConfig tagged = collector.agentConfig();
        tagged = new AgentConfig(tagged.url(), tagged.pin(), tagged.token(), tagged.retrySeconds(), Map.of("site", "berlin", "floor", "3"));
        Path taggedConf = Files.writeString(tmp.resolve("tagged.conf"), tagged.text());
        assertEquals(Map.of("floor", "3", "site", "berlin"), AgentConfig.read(taggedConf).tags(), "agent.tags survives text() and read()");
        Path berlin = practiceTree("berlin", null);
        fixJson("--root", berlin.toString(), "--config", taggedConf.toString(), "--collector-playbooks", "--trusted-key", pub.toString());
        assertFalse(Files.exists(berlin.resolve(CS + PracticeTree.OTHER_CHANNEL)), "tagged site=berlin: applied");
    }

    @Test
    void aBatchAsksOncePerTargetSoEachMachineGetsItsOwnScope() throws Exception {
        Path playbook = signed("cf290.json", PLAYBOOK);
        assertEquals(0, publish(playbook, "--scope", "machines=" + machinesFile(PracticeTree.COMPUTER_NAME)).exit);
        Path inScope = practiceTree("batch-in", null);
        Path outOfScope = practiceTree("batch-out", "OTHER-PC");
        Path listFile = Files.write(tmp.resolve("targets.txt"), List.of(inScope.toString(), outOfScope.toString()));
        Cli batch = Cli.run("batch", "--list", listFile.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString(), "--state", tmp.resolve("state.json").toString());
        assertEquals(0, batch.exit, batch.toString());
        assertFalse(Files.exists(inScope.resolve(CS + PracticeTree.OTHER_CHANNEL)), batch.toString());
        assertTrue(Files.exists(outOfScope.resolve(CS + PracticeTree.OTHER_CHANNEL)), batch.toString());
        assertFalse(Files.exists(outOfScope.resolve(CS + PracticeTree.FAULTY)), "the built-in playbook ran on both");
    }

    @Test
    void anImageRunFetchesByTheComputerNameInItsRegistryAndAppliesThePlaybook() throws Exception {
        Path disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        Path playbook = signed("cf290.json", PLAYBOOK);
        assertEquals(0, publish(playbook, "--scope", "machines=" + machinesFile(PracticeTree.COMPUTER_NAME)).exit);
        Map<String, Object> report = fixJson("--image", disk.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        List<String> moved = quarantinedPaths(report);
        assertTrue(moved.contains(CS + PracticeTree.OTHER_CHANNEL + " by acme-cf290#1@3"), moved.toString());
        assertTrue(moved.stream().anyMatch(m -> m.startsWith(CS + PracticeTree.FAULTY)), moved.toString());
        assertEquals("acme-cf290", list(report, "playbooks").get(1).get("id"));
        // a second run finds nothing left: both files really moved on the image
        Map<String, Object> again = fixJson("--image", disk.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        assertEquals(List.of(), quarantinedPaths(again), again.toString());
        assertEquals("clean", again.get("outcome"));
    }

    @Test
    void aPlaybookTamperedWithOrUnsignedInTheDatabaseIsRefusedByTheAgentAndChangesNothing() throws Exception {
        Path playbook = signed("cf290.json", PLAYBOOK);
        assertEquals(0, publish(playbook).exit);
        String id = publicationOf(playbook);
        // a body changed in the database after the collector verified it: a glob that would take the good file as well
        String widened = PLAYBOOK.replace("C-00000290*.sys", "C-0000029*.sys").replace("\"modifiedBefore\":\"2024-07-19T05:27:00Z\",", "");
        setColumn(id, "body", Base64.getEncoder().encodeToString(widened.getBytes(StandardCharsets.UTF_8)));
        Path tree = practiceTree("tampered", null);
        Map<String, Object> report = fixJson("--root", tree.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        assertTrue(Files.exists(tree.resolve(CS + PracticeTree.OTHER_CHANNEL)), "the tampered playbook changed nothing");
        assertTrue(Files.exists(tree.resolve(CS + PracticeTree.REVERTED)), "the tampered playbook changed nothing");
        assertFalse(Files.exists(tree.resolve(CS + PracticeTree.FAULTY)), "the built-in playbook still ran");
        assertEquals(1, list(report, "playbooks").size());
        Map<String, Object> refused = list(report, "refusedPlaybooks").get(0);
        assertEquals(id, refused.get("publication"));
        assertTrue(refused.get("reason").toString().contains("changed after signing"), refused.toString());

        // the signature removed: refused as unsigned
        setColumn(id, "signature", "");
        Path unsigned = practiceTree("unsigned", null);
        Map<String, Object> second = fixJson("--root", unsigned.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        assertTrue(Files.exists(unsigned.resolve(CS + PracticeTree.OTHER_CHANNEL)));
        assertTrue(list(second, "refusedPlaybooks").get(0).get("reason").toString().contains("not signed"), second.toString());

        // a genuine signature by a key the agent's media do not trust (the collector trusts it, the agent does not)
        setColumn(id, "body", Base64.getEncoder().encodeToString(Files.readAllBytes(playbook)));
        setColumn(id, "signature", Base64.getEncoder().encodeToString(Files.readAllBytes(playbook.resolveSibling("cf290.json.sig"))));
        Path other = tmp.resolve("other.pub");
        assertEquals(0, Cli.run("playbook", "keygen", "--private", tmp.resolve("other.key").toString(), "--public", other.toString()).exit);
        Path unknown = practiceTree("unknown-key", null);
        Map<String, Object> third = fixJson("--root", unknown.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", other.toString());
        assertTrue(Files.exists(unknown.resolve(CS + PracticeTree.OTHER_CHANNEL)));
        assertTrue(list(third, "refusedPlaybooks").get(0).get("reason").toString().contains("not trusted here"), third.toString());
    }

    /**
     * A tokens.json written by an earlier version holds WinRE's token as "incident-only": it is read
     * as an enrolment token, so it fetches no key, even while a playbook is published
     * (MachineCredentialsTest has the per-machine tokens that replace it).
     */
    @Test
    void aFormerIncidentOnlyTokenFetchesNoKeyEvenDuringAnIncident() throws Exception {
        String keyId = "64311DEA-4587-4029-924A-BA299647998E";
        collector.adminClient().importKeys(("Hostname,KeyID,RecoveryKey\nPC-0042,{" + keyId
                + "},000011-000022-000033-000044-000055-000066-000077-000088\n").getBytes(StandardCharsets.UTF_8), "keys.csv");
        Cli add = Cli.run("collector", "token", "add", "--dir", collector.dir.dir().toString(), "--role", "agent", "--incident-only", "--label", "winre");
        assertEquals(0, add.exit, add.toString());
        String winre = add.out.lines().findFirst().orElseThrow().strip();
        Path file = collector.dir.tokens();
        Files.writeString(file, Files.readString(file).replace("\"enrolment\"", "\"incident-only\"")); // as an earlier version wrote it
        Cli list = Cli.run("collector", "token", "list", "--dir", collector.dir.dir().toString());
        assertTrue(list.out.lines().anyMatch(l -> l.contains("none (enrol)") && l.contains("winre")), list.toString());

        assertEquals(0, publish(signed("cf290.json", PLAYBOOK)).exit);
        TestCollector.Response refused = CollectorApiContract.untilResponse(() -> collector.request("GET", "/api/v1/keys/" + keyId, winre, null), 403);
        assertTrue(refused.body().contains("enrolment token"), refused.body());
        assertFalse(refused.body().contains("000011"), refused.body());
        // the site's ordinary agent token is not limited
        assertEquals(200, collector.request("GET", "/api/v1/keys/" + keyId, collector.created.agentToken(), null).status());
    }

    @Test
    void retiringStopsThePlaybookAndTheSameBytesCannotComeBack() throws Exception {
        Path playbook = signed("cf290.json", PLAYBOOK);
        assertEquals(0, publish(playbook).exit);
        String id = publicationOf(playbook);
        Cli retire = Cli.run("collector", "playbook", "retire", id, "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(0, retire.exit, retire.toString());
        Path tree = practiceTree("after-retire", null);
        Map<String, Object> report = fixJson("--root", tree.toString(), "--config", conf.toString(), "--collector-playbooks",
                "--trusted-key", pub.toString());
        assertTrue(Files.exists(tree.resolve(CS + PracticeTree.OTHER_CHANNEL)), "retired: no longer applied");
        assertEquals(1, list(report, "playbooks").size());

        Cli list = Cli.run("collector", "playbook", "list", "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(0, list.exit, list.toString());
        assertTrue(list.out.contains(id) && list.out.contains("retired"), list.toString());
        Cli republish = publish(playbook);
        assertEquals(2, republish.exit, republish.toString());
        assertTrue(republish.err.contains("409") && republish.err.contains("new \"version\""), republish.toString());
        Cli unknown = Cli.run("collector", "playbook", "retire", "0123456789abcdef", "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(2, unknown.exit, unknown.toString());
        // a second retire changes nothing, so it is not a second record
        assertEquals(0, Cli.run("collector", "playbook", "retire", id, "--config", conf.toString(), "--admin-token-file", adminToken.toString()).exit);
        // what every armed machine would run is an admin act on record: publish and retire, once each, by the admin token
        List<?> entries = (List<?>) collector.request("GET", "/api/v1/audit", collector.created.adminToken(), null).json().get("entries");
        List<Map<?, ?>> playbookActs = entries.stream().<Map<?, ?>>map(e -> (Map<?, ?>) e)
                .filter(e -> String.valueOf(e.get("action")).startsWith("playbook-")).toList();
        assertEquals(List.of("playbook-retire", "playbook-publish"), playbookActs.stream().map(e -> e.get("action")).toList(), entries.toString());
        for (Map<?, ?> e : playbookActs) {
            assertTrue(String.valueOf(e.get("actor")).startsWith("admin"), e.toString());
            assertTrue(String.valueOf(e.get("detail")).contains(id), e.toString());
        }
    }

    @Test
    void publishRefusesWhatTheCollectorCannotVerify() throws Exception {
        // unsigned: refused by the command before upload, and by the collector when the signature is left out
        Path unsigned = Files.writeString(tmp.resolve("unsigned.json"), PLAYBOOK);
        Cli noSig = publish(unsigned);
        assertEquals(2, noSig.exit, noSig.toString());
        assertTrue(noSig.err.contains("not signed"), noSig.toString());
        TestCollector.Response api = postRaw(Files.readAllBytes(unsigned), null);
        assertEquals(400, api.status(), api.body());
        assertTrue(api.body().contains("not signed"), api.body());

        // signed by a key the collector does not trust
        Path otherKey = tmp.resolve("stranger.key");
        assertEquals(0, Cli.run("playbook", "keygen", "--private", otherKey.toString(), "--public", tmp.resolve("stranger.pub").toString()).exit);
        Path stranger = Files.writeString(tmp.resolve("stranger.json"), PLAYBOOK);
        assertEquals(0, Cli.run("playbook", "sign", "--key", otherKey.toString(), stranger.toString()).exit);
        Cli unknownKey = publish(stranger);
        assertEquals(2, unknownKey.exit, unknownKey.toString());
        assertTrue(unknownKey.err.contains("not trusted here") && unknownKey.err.contains("trusted-keys/"), unknownKey.toString());

        // changed after signing
        Path changed = signed("changed.json", PLAYBOOK);
        Files.writeString(changed, PLAYBOOK.replace("\"version\":3", "\"version\":4"));
        Cli tampered = publish(changed);
        assertEquals(2, tampered.exit, tampered.toString());
        assertTrue(tampered.err.contains("changed after signing"), tampered.toString());

        // validly signed, but not a playbook the agent would accept ('playbook sign' refuses it, so it is signed directly)
        byte[] invalid = PLAYBOOK.replace("\"glob\"", "\"globb\"").getBytes(StandardCharsets.UTF_8);
        Path bad = Files.write(tmp.resolve("bad.json"), invalid);
        Files.write(tmp.resolve("bad.json.sig"), PlaybookSignature.sign(invalid, PlaybookKeys.readPrivate(priv)));
        Cli invalidCli = publish(bad);
        assertEquals(2, invalidCli.exit, invalidCli.toString());
        assertTrue(invalidCli.err.contains("unknown field 'globb'"), invalidCli.toString());

        // too big: over 1 MiB, refused by the command and by the collector
        byte[] big = PLAYBOOK.strip().replace("\"title\":", "\"description\":\"" + "x".repeat(1100 * 1024) + "\",\"title\":").getBytes(StandardCharsets.UTF_8);
        Path huge = Files.write(tmp.resolve("huge.json"), big);
        Files.write(tmp.resolve("huge.json.sig"), PlaybookSignature.sign(big, PlaybookKeys.readPrivate(priv)));
        Cli hugeCli = publish(huge);
        assertEquals(2, hugeCli.exit, hugeCli.toString());
        assertTrue(hugeCli.err.contains("at most 1048576"), hugeCli.toString());
        TestCollector.Response hugeApi = postRaw(big, Files.readAllBytes(tmp.resolve("huge.json.sig")));
        assertEquals(400, hugeApi.status(), hugeApi.body());
        assertTrue(hugeApi.body().contains("at most 1048576"), hugeApi.body());

        // a bad scope, and nothing of all this was published
        Path good = signed("good.json", PLAYBOOK);
        Cli badScope = publish(good, "--scope", "everyone");
        assertEquals(2, badScope.exit, badScope.toString());
        // a collector that trusts no key at all says what to do
        Files.delete(collector.dir.trustedKeys().resolve("publisher.pub"));
        Cli noKeys = publish(good);
        assertEquals(2, noKeys.exit, noKeys.toString());
        assertTrue(noKeys.err.contains("trusts no signing key yet"), noKeys.toString());
        TestCollector.Response listed = collector.request("GET", "/api/v1/playbooks", collector.created.adminToken(), null);
        assertEquals(List.of(), list(listed.json(), "playbooks"), listed.body());
    }

    @Test
    void anUnreachableCollectorLeavesTheBuiltInPlaybookRunningAndSaysSo() throws Exception {
        System.setProperty("bootmedic.collector.retryMillis", "1000");
        AgentConfig c = collector.agentConfig();
        int freePort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        Path down = Files.writeString(tmp.resolve("down.conf"), c.withUrl(java.net.URI.create("https://127.0.0.1:" + freePort)).text());
        Path tree = practiceTree("offline", null);
        Cli fix = Cli.run("fix", "--root", tree.toString(), "--config", down.toString(), "--collector-playbooks", "--trusted-key", pub.toString(),
                "--report", tmp.resolve("offline.json").toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.err.contains("the collector's playbooks could not be fetched"), fix.toString());
        assertFalse(Files.exists(tree.resolve(CS + PracticeTree.FAULTY)), "the built-in playbook ran");
        Map<String, Object> report = Json.readObject(Files.readAllBytes(tmp.resolve("offline.json")));
        Map<String, Object> refused = list(report, "refusedPlaybooks").get(0);
        assertNull(refused.get("publication"));
        assertTrue(refused.get("reason").toString().contains("could not be fetched"), refused.toString());
    }

    /**
     * Issue 22: retired publications with large machine scopes made the list answer 13.4 MB, and the
     * client reads 4 MiB, so 'collector playbook list' failed for good. The collector pages the list
     * (a cursor and a limit, pages bounded in bytes) and the client follows the pages.
     */
    @Test
    void playbookListIsPagedAndTheClientFollowsThePagesPastTheAnswerCap() throws Exception {
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < io.bootmedic.collector.store.PlaybookScope.MAX_MACHINES; i++) {
            names.add(String.format("M%0120d", i)); // 10,000 names of 121 characters: about 1.3 MB of scope per publication
        }
        Path machines = Files.write(tmp.resolve("fleet.txt"), names);
        List<String> publications = new java.util.ArrayList<>();
        for (int v = 1; v <= 5; v++) {
            Path playbook = signed("cf290-" + v + ".json", PLAYBOOK.replace("\"version\":3", "\"version\":" + (100 + v)));
            Cli published = publish(playbook, "--scope", "machines=" + machines);
            assertEquals(0, published.exit, published.toString());
            publications.add(publicationOf(playbook));
            assertEquals(0, Cli.run("collector", "playbook", "retire", publicationOf(playbook), "--config", conf.toString(), "--admin-token-file",
                    adminToken.toString()).exit);
        }
        TestCollector.Response whole = collector.request("GET", "/api/v1/playbooks", collector.created.adminToken(), null);
        assertEquals(200, whole.status());
        assertTrue(whole.body().length() < 4 << 20, "one page stays under the client's 4 MiB: " + whole.body().length() + " bytes");
        assertTrue(whole.json().get("next") instanceof String, "more pages follow");

        Cli list = Cli.run("collector", "playbook", "list", "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(0, list.exit, list.err);
        for (String p : publications) {
            assertEquals(1, list.out.lines().filter(l -> l.startsWith(p)).count(), p + " listed once: " + list.out.substring(0, Math.min(2000, list.out.length())));
        }
        assertTrue(list.out.lines().allMatch(l -> l.length() < 300), "a machines scope is summarised in the table, not printed name by name");
        Cli json = Cli.run("collector", "playbook", "list", "--json", "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(0, json.exit, json.err);
        List<Map<String, Object>> all = list(Json.readObject(json.out.getBytes(StandardCharsets.UTF_8)), "playbooks");
        assertEquals(publications.size(), all.size());
        assertEquals(names.size(), ((List<?>) ((Map<?, ?>) all.get(0).get("scope")).get("machines")).size(), "--json keeps every name");

        // paging by hand: limit and cursor, newest first, nothing twice; a cursor that is not one is a 400
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        String next = null;
        do {
            TestCollector.Response page = collector.request("GET", "/api/v1/playbooks?limit=2" + (next == null ? "" : "&after="
                    + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8)), collector.created.adminToken(), null);
            assertEquals(200, page.status(), page.body());
            List<Map<String, Object>> rows = list(page.json(), "playbooks");
            assertTrue(rows.size() <= 2 && !rows.isEmpty(), page.body().length() + " bytes");
            rows.forEach(r -> assertTrue(seen.add((String) r.get("publication")), "listed twice: " + r.get("publication")));
            next = (String) page.json().get("next");
        } while (next != null);
        List<String> newestFirst = new java.util.ArrayList<>(publications);
        java.util.Collections.reverse(newestFirst);
        assertEquals(newestFirst, List.copyOf(seen));
        assertEquals(400, collector.request("GET", "/api/v1/playbooks?after=x", collector.created.adminToken(), null).status());
    }

    /** Issue 22: a playbook id from the collector (the version is checked by the parser; the id is not) is printed through Printable.of by publish and list. */
    @Test
    void terminalEscapesInAPlaybooksIdAreNotPrintedByPublishListOrRetire() throws Exception {
        String hostile = PLAYBOOK.replace("\"acme-cf290\"", "\"acme\\u001b[2J\\u001b]0;owned\\u0007\\u202eevil\\u009b31m\"");
        Path playbook = signed("escapes.json", hostile);
        Cli published = publish(playbook);
        assertEquals(0, published.exit, published.toString());
        Cli list = Cli.run("collector", "playbook", "list", "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(0, list.exit, list.toString());
        Cli retire = Cli.run("collector", "playbook", "retire", publicationOf(playbook), "--config", conf.toString(), "--admin-token-file", adminToken.toString());
        assertEquals(0, retire.exit, retire.toString());
        for (Cli c : List.of(published, list, retire)) {
            String shown = c.out + c.err;
            assertTrue(shown.contains("acme?[2J?]0;owned??evil?31m"), shown);
            assertTrue(shown.chars().filter(ch -> ch != '\n').noneMatch(io.bootmedic.format.Printable::isHostile), "nothing a terminal obeys: " + shown);
        }
    }

    /** A dashboard page, logged in with the admin token as a browser would be. */
    private String dashboardPage(String path) throws Exception {
        TestCollector.Response login = collector.request("POST", "/login", null, ("token=" + collector.created.adminToken()).getBytes(StandardCharsets.UTF_8));
        assertEquals(303, login.status(), login.body());
        String cookie = login.header("Set-Cookie");
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) java.net.URI.create(collector.url + path).toURL().openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, x) -> true);
        c.setRequestProperty("Cookie", cookie.substring(0, cookie.indexOf(';')));
        assertEquals(200, c.getResponseCode(), path);
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private TestCollector.Response postRaw(byte[] playbook, byte[] sig) throws Exception {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("playbook", Base64.getEncoder().encodeToString(playbook));
        if (sig != null) {
            body.put("signature", Base64.getEncoder().encodeToString(sig));
        }
        body.put("scope", Map.of("kind", "all"));
        return collector.request("POST", "/api/v1/playbooks", collector.created.adminToken(), Json.write(body));
    }

    /**
     * Changes a stored publication behind the collector's back. Collectors serve the active ones from
     * a cache read again when playbook_generation moves, so the change raises it too, as any later
     * publish or retire would: from then on the damaged row is what agents are sent.
     */
    private void setColumn(String publication, String column, String value) throws Exception {
        try (Connection c = collector.db.connection();
             PreparedStatement ps = c.prepareStatement("UPDATE playbook_publications SET " + column + " = ? WHERE publication = ?");
             PreparedStatement bump = c.prepareStatement("UPDATE playbook_generation SET generation = generation + 1")) {
            ps.setString(1, value);
            ps.setString(2, publication);
            assertEquals(1, ps.executeUpdate());
            assertEquals(1, bump.executeUpdate());
        }
    }
}
