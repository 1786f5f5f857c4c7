package io.bootmedic.collector;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `keys import` takes the collector's URL and pin from agent.conf and authenticates with the admin token, whatever token the file holds. */
class KeysImportCliTest {
    @TempDir
    Path tmp;

    @Test
    void importsWithTheAdminTokenEvenWhenAgentConfHoldsNoToken() throws Exception {
        try (TestCollector collector = TestCollector.start(tmp.resolve("collector"), null, 60)) {
            Path conf = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().withToken(null).text());
            Path admin = Files.writeString(tmp.resolve("admin.token"), collector.created.adminToken() + "\n");
            Path export = Files.writeString(tmp.resolve("keys.csv"),
                    "KeyID,RecoveryKey\n{64311DEA-4587-4029-924A-BA299647998E},000011-000022-000033-000044-000055-000066-000077-000088\n");
            Cli imported = Cli.run("keys", "import", export.toString(), "--config", conf.toString(), "--admin-token-file", admin.toString());
            assertEquals(0, imported.exit, imported.toString());
            assertTrue(imported.out.contains("1 new"), imported.toString());
            assertTrue(!imported.out.contains("000011") && !imported.err.contains("000011"), "no password digits in the output");
        }
    }
}
