package io.bootmedic.cli;

import io.bootmedic.collector.TestCollector;
import io.bootmedic.keys.KeyBundle;
import io.bootmedic.keys.KeyId;
import io.bootmedic.keys.KeyRecord;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.RecoveryPasswordOrBek;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keys `fix --all` offers each locked volume in WinPE come from the whole chain of docs/design.md §6:
 * the bundle on the stick and the collector included, matched by the volume's key ID.
 */
class WindowsKeyChainTest {
    static final String FILE_KEY = "11111111-2222-3333-4444-555555555555";
    static final String BUNDLE_KEY = "22222222-2222-3333-4444-555555555555";
    static final String COLLECTOR_KEY = "33333333-2222-3333-4444-555555555555";
    static final String RP1 = "000011-000022-000033-000044-000055-000066-000077-000088";
    static final String RP2 = "000099-000022-000033-000044-000055-000066-000077-000088";
    static final String RP3 = "000110-000022-000033-000044-000055-000066-000077-000088";

    @TempDir
    Path tmp;

    @Test
    void eachLockedVolumeGetsItsKeyFromTheSourceThatHasItsKeyId() throws Exception {
        Path csv = Files.writeString(tmp.resolve("ad.csv"), "KeyID,RecoveryKey\n{" + FILE_KEY + "}," + RP1 + "\n");
        Path bundle = tmp.resolve("keys.bmk");
        KeyBundle.write(bundle, List.of(new KeyRecord(KeyId.parse(BUNDLE_KEY), RecoveryPassword.parse(RP2), "PC-2", "entra.json line 3")),
                "stick passphrase".toCharArray(), new KeyBundle.KdfParams(1024, 1, 1));
        Path pass = Files.writeString(tmp.resolve("pass"), "stick passphrase");

        try (TestCollector collector = TestCollector.start(tmp.resolve("collector"), null, 60)) {
            collector.adminClient().importKeys(("KeyID,RecoveryKey\n" + COLLECTOR_KEY + "," + RP3 + "\n").getBytes(StandardCharsets.UTF_8), "c.csv");
            Path conf = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().text());

            KeyOptions options = new KeyOptions();
            options.keyFiles = List.of(csv);
            options.keyBundle = bundle;
            options.passphraseFile = pass;
            options.config = conf;
            KeyProvider provider = options.keyProvider();

            assertKey(provider.keyFor("{" + FILE_KEY + "}", "C:"), RP1, "key-file");
            assertKey(provider.keyFor("{" + BUNDLE_KEY + "}", "D:"), RP2, "bundle");
            assertKey(provider.keyFor("{" + COLLECTOR_KEY + "}", "E:"), RP3, "collector");
            assertEquals(Optional.empty(), provider.keyFor("{44444444-2222-3333-4444-555555555555}", "F:"), "nobody has it: the volume stays locked");
            assertEquals(Optional.empty(), provider.keyFor(null, "G:"), "no key ID (WMI and the raw read failed): nothing to match");
        }
    }

    @Test
    void aRecoveryPasswordOnTheCommandLineComesFirst() throws Exception {
        KeyOptions options = new KeyOptions();
        options.recoveryPasswords = List.of(RP3);
        assertKey(options.keyProvider().keyFor("{" + FILE_KEY + "}", "C:"), RP3, "argument");
        KeyOptions typo = new KeyOptions();
        typo.recoveryPasswords = List.of("000012-000022-000033-000044-000055-000066-000077-000088");
        UsageError e = org.junit.jupiter.api.Assertions.assertThrows(UsageError.class, typo::keyProvider, "a typo is refused before any volume is touched");
        assertTrue(e.getMessage().contains("group 1"), e.getMessage());
    }

    private static void assertKey(Optional<RecoveryPasswordOrBek> key, String expected, String source) throws Exception {
        assertTrue(key.isPresent(), "a key from " + source);
        assertEquals(RecoveryPassword.parse(expected), key.get().password());
        assertEquals(source, key.get().source());
    }
}
