package io.bootmedic.collector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.EncryptedPracticeVolume;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A BitLocker volume repaired with nobody typing a key: the recovery password comes from the
 * collector's escrow (after an admin imported the AD export), the release is audited, and the
 * report puts the key on the dashboard's rotate list.
 */
class CollectorKeySourceTest {
    @TempDir
    Path tmp;
    TestCollector collector;

    @AfterEach
    void stop() {
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void fixUnlocksWithTheCollectorsEscrowedKeyAndTheKeyIsListedForRotation() throws Exception {
        Path image = EncryptedPracticeVolume.make(tmp);
        collector = TestCollector.start(tmp.resolve("collector"), null, 60);
        Path conf = tmp.resolve("agent.conf");
        Files.writeString(conf, collector.agentConfig().text());
        Path admin = tmp.resolve("admin.token");
        Files.writeString(admin, collector.created.adminToken());

        // before the import the collector has no key: the volume stays locked and the message says so
        String before = TreeSnapshot.sha256(image);
        Cli locked = Cli.run("fix", "--image", image.toString(), "--config", conf.toString());
        assertEquals(3, locked.exit, locked.toString());
        assertTrue((locked.out + locked.err).contains("the collector has no recovery password for {" + EncryptedPracticeVolume.RECOVERY_KEY_ID + "}"),
                locked.toString());
        assertEquals(before, TreeSnapshot.sha256(image), "nothing written while locked");

        Path export = tmp.resolve("ad-export.csv");
        Files.writeString(export, "Hostname,KeyID,RecoveryKey,Directory\nPRACTICE-PC01,{" + EncryptedPracticeVolume.RECOVERY_KEY_ID + "},"
                + EncryptedPracticeVolume.RECOVERY_PASSWORD + ",contoso.local\n", StandardCharsets.UTF_8);
        Cli imported = Cli.run("keys", "import", export.toString(), "--config", conf.toString(), "--admin-token-file", admin.toString());
        assertEquals(0, imported.exit, imported.toString());
        assertTrue(imported.out.contains("1 new"), imported.toString());
        Cli asAgent = Cli.run("keys", "import", export.toString(), "--config", conf.toString(), "--admin-token-file", conf.toString());
        assertEquals(1, asAgent.exit, "a file that is not the admin token is refused: " + asAgent);

        Cli fix = Cli.run("fix", "--image", image.toString(), "--config", conf.toString(), "--json");
        assertEquals(0, fix.exit, fix.toString());
        JsonNode volume = new ObjectMapper().readTree(fix.out.substring(0, fix.out.lastIndexOf('}') + 1)).get("volumes").get(0);
        assertEquals("collector", volume.get("bitlocker").get("keySource").asText());
        assertTrue(volume.get("bitlocker").get("recoveryPasswordUsed").asBoolean());
        assertEquals("quarantined", volume.get("actions").get(0).get("action").asText());
        for (String text : List.of(fix.out, fix.err, imported.out, imported.err, locked.out, locked.err)) {
            assertFalse(text.contains("235818"), "no recovery-password digits in any output");
        }

        List<?> audit = (List<?>) collector.request("GET", "/api/v1/audit", collector.created.adminToken(), null).json().get("entries");
        assertTrue(audit.stream().anyMatch(e -> "key-release".equals(((Map<?, ?>) e).get("action"))
                && EncryptedPracticeVolume.RECOVERY_KEY_ID.equals(((Map<?, ?>) e).get("keyId"))), audit.toString());
        TestCollector.Response machines = collector.request("GET", "/api/v1/machines?outcome=fixed", collector.created.adminToken(), null);
        assertEquals(1, ((Number) machines.json().get("total")).intValue(), machines.body());
        try (var c = collector.db.connection(); var s = c.createStatement(); var rs = s.executeQuery("SELECT key_id, key_source FROM key_rotations")) {
            assertTrue(rs.next(), "the used key is on the rotate list");
            assertEquals(EncryptedPracticeVolume.RECOVERY_KEY_ID, rs.getString(1));
            assertEquals("collector", rs.getString(2));
        }
    }
}
