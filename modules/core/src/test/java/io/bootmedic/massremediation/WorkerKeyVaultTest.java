package io.bootmedic.massremediation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * worker-fix.sh --bek-secret-url with the REAL az (/usr/bin/az, Debian's azure-cli): 'az login
 * --identity' and the Key Vault read, against {@link KeyVaultEndpoint} on loopback, registered as a
 * custom cloud in a private AZURE_CONFIG_DIR; the managed identity is reached through MSI_ENDPOINT
 * (the way az finds it in Cloud Shell) since the VM metadata address cannot be served here.
 */
class WorkerKeyVaultTest {
    static final String AZ = "/usr/bin/az";
    static final byte[] BEK = {0x2c, 0x00, 0x00, 0x00, 0x01, 0x00, (byte) 0xff, 0x42, 0x45, 0x4b, 0x00, 0x10};

    @TempDir
    static Path shared;
    static KeyVaultEndpoint cloud;
    static Path azConfig;

    @TempDir
    Path tmp;
    LoopDisk disk;
    Path bin;

    static Map<String, String> azEnv(Path home) {
        return Map.of("HOME", home.toString(), "AZURE_CONFIG_DIR", azConfig.toString(), "AZURE_CORE_COLLECT_TELEMETRY", "false",
                "AZURE_CORE_NO_COLOR", "true", "AZURE_CORE_ONLY_SHOW_ERRORS", "true", "REQUESTS_CA_BUNDLE", cloud.caPem.toString(),
                "MSI_ENDPOINT", cloud.base() + "/msi/token");
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(List<String> cmd, Map<String, String> env, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @BeforeAll
    static void customCloud() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(AZ)), "Debian's azure-cli is not installed (bash scripts/setup-debian.sh)");
        cloud = new KeyVaultEndpoint(shared);
        azConfig = Files.createDirectories(shared.resolve("azure"));
        Path home = Files.createDirectories(shared.resolve("home"));
        String b = cloud.base();
        Result r = run(List.of(AZ, "cloud", "register", "--name", "BootmedicLoopback", "--endpoint-resource-manager", b + "/",
                "--endpoint-active-directory", b + "/aad", "--endpoint-active-directory-resource-id", b + "/arm-resource",
                "--endpoint-active-directory-graph-resource-id", b + "/graph", "--suffix-keyvault-dns", ".vault.bootmedic.test"), azEnv(home), shared);
        assertEquals(0, r.exit(), r.toString());
        r = run(List.of(AZ, "cloud", "set", "--name", "BootmedicLoopback"), azEnv(home), shared);
        assertEquals(0, r.exit(), r.toString());
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
    }

    @BeforeEach
    void worker() throws Exception {
        assumeTrue(LoopDisk.available(), "needs root and loop devices (losetup)");
        disk = LoopDisk.create(tmp.resolve("ade.img"), 8L << 20);
        bin = Files.createDirectories(tmp.resolve("bin"));
        Path bootmedic = bin.resolve("bootmedic");
        Files.writeString(bootmedic, """
                #!/usr/bin/env bash
                echo "$*" > "$FAKE_OUT/bootmedic.argv"
                while [ $# -gt 0 ]; do
                  if [ "$1" = --bek ]; then stat -c %a "$2" > "$FAKE_OUT/bek.mode"; stat -f -c %T "$2" > "$FAKE_OUT/bek.fs"; cp "$2" "$FAKE_OUT/bek.copy"; echo "$2" > "$FAKE_OUT/bek.path"; fi
                  shift
                done
                """);
        Files.setPosixFilePermissions(bootmedic, PosixFilePermissions.fromString("rwx------"));
        cloud.log.clear();
        cloud.mayGetSecrets = true;
    }

    @AfterEach
    void detach() throws Exception {
        if (disk != null) {
            disk.close();
        }
    }

    private Result workerFix(String url) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(azEnv(Files.createDirectories(tmp.resolve("home"))));
        env.put("PATH", bin + ":/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("FAKE_OUT", tmp.toString());
        env.put("BOOTMEDIC_WAIT_SECONDS", "0");
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "scripts/lib/worker-fix.sh", "--device", disk.device.toString(),
                "--bek-secret-url", url, "--bootmedic", "bootmedic"));
        return run(cmd, env, tmp);
    }

    @Test
    void theBekComesFromKeyVaultWithTheManagedIdentityOntoTmpfsAndIsGoneAfterwards() throws Exception {
        String base64 = Base64.getEncoder().encodeToString(BEK);
        cloud.secrets.put("/secrets/bek-vm1/0a1b2c3d4e5f", base64);

        Result r = workerFix(cloud.base() + "/secrets/bek-vm1/0a1b2c3d4e5f");

        assertEquals(0, r.exit(), r + "\n" + cloud.log);
        assertTrue(r.out().strip().endsWith("BOOTMEDIC_EXIT=0"), r.out());
        // az asked for a token for ARM (login) and for the vault (the read), and read the secret with the vault's token
        assertTrue(cloud.log.contains("GET /secrets/bek-vm1/0a1b2c3d4e5f bearer=" + cloud.base()), cloud.log.toString());
        assertTrue(cloud.log.contains("POST /msi/token resource=" + cloud.base()), cloud.log.toString());
        assertTrue(cloud.log.stream().anyMatch(l -> l.startsWith("GET /subscriptions bearer=")), cloud.log.toString());
        assertArrayEquals(BEK, Files.readAllBytes(tmp.resolve("bek.copy")), "bootmedic got the base64-decoded secret");
        assertEquals("600", Files.readString(tmp.resolve("bek.mode")).strip());
        assertEquals("tmpfs", Files.readString(tmp.resolve("bek.fs")).strip());
        Path used = Path.of(Files.readString(tmp.resolve("bek.path")).strip());
        assertFalse(Files.exists(used.getParent()), "the key folder is removed after the run");
        assertFalse((r.out() + r.err()).contains(base64), "the secret was printed");
        assertTrue(Files.readString(tmp.resolve("bootmedic.argv")).startsWith("fix --device " + disk.device + " --bek "));
    }

    @Test
    void anIdentityWithoutSecretsGetStopsWithExit3AndBootmedicDoesNotRun() throws Exception {
        cloud.secrets.put("/secrets/bek-vm2/0123", Base64.getEncoder().encodeToString(BEK));
        cloud.mayGetSecrets = false;

        Result r = workerFix(cloud.base() + "/secrets/bek-vm2/0123");

        assertEquals(3, r.exit(), r + "\n" + cloud.log);
        assertTrue(r.err().contains("could not read the BEK secret from Key Vault"), r.err());
        assertTrue(cloud.log.contains("GET /secrets/bek-vm2/0123 bearer=" + cloud.base()), cloud.log.toString());
        assertFalse(Files.exists(tmp.resolve("bootmedic.argv")), "bootmedic does not run without its key");
    }

    @Test
    void aUrlThatIsNoKeyVaultSecretIsRefusedBeforeAnyCall() throws Exception {
        Result r = workerFix("https://vault1.vault.azure.net/keys/k1/0123; rm -rf /");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("must be a Key Vault secret URL"), r.err());
        assertEquals(List.of(), cloud.log);
    }
}
