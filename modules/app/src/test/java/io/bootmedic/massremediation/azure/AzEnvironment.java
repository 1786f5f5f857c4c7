package io.bootmedic.massremediation.azure;

import io.bootmedic.collector.Certificates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real /usr/bin/az, logged in to the emulator: a private AZURE_CONFIG_DIR and HOME, a custom
 * cloud registered with 'az cloud register' whose endpoints are the emulator on 127.0.0.1 (HTTPS,
 * a self-signed certificate trusted through REQUESTS_CA_BUNDLE), and 'az login --service-principal'
 * against the emulator's ADFS-style token endpoint. Telemetry and survey prompts are off; nothing
 * leaves the machine. Runs the repository's scripts with a PATH whose az is /usr/bin/az.
 */
final class AzEnvironment implements AutoCloseable {
    static final String AZ = "/usr/bin/az";
    final Path dir;
    final ArmEmulator arm;
    private final Map<String, String> env = new HashMap<>();

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    AzEnvironment(Path dir) throws Exception {
        this.dir = dir;
        char[] pw = "emulator".toCharArray();
        KeyStore ks = Certificates.selfSigned(Set.of("127.0.0.1"), pw, Duration.ofDays(1));
        Path ca = dir.resolve("emulator-ca.pem");
        Files.writeString(ca, Certificates.pem(ks.getCertificate(Certificates.ALIAS)));
        arm = new ArmEmulator(ks, pw);
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("az"), Path.of(AZ));
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.put("AZURE_CONFIG_DIR", Files.createDirectories(dir.resolve("azure")).toString());
        env.put("REQUESTS_CA_BUNDLE", ca.toString());
        env.put("AZURE_CORE_COLLECT_TELEMETRY", "false");
        env.put("AZURE_CORE_SURVEY_MESSAGE", "false");
        env.put("AZURE_CORE_NO_COLOR", "true");
        env.put("AZURE_CORE_DISABLE_PROGRESS_BAR", "true");
        env.put("AZURE_EXTENSION_USE_DYNAMIC_INSTALL", "no");
        env.put("BOOTMEDIC_STAMP", "20240719-0600");
        env.put("BOOTMEDIC_AZ_RETRY_SECONDS", "1");
        env.put("BOOTMEDIC_POLL_SECONDS", "0.2");
        env.put("LC_ALL", "C.UTF-8");
        az("config", "set", "core.collect_telemetry=false", "core.survey_message=false", "--only-show-errors");
        az("cloud", "register", "--name", "BootmedicEmulator",
                "--endpoint-resource-manager", arm.base + "/",
                "--endpoint-active-directory", arm.base + "/adfs",
                "--endpoint-active-directory-resource-id", "https://management.core.windows.net/",
                "--endpoint-active-directory-graph-resource-id", "https://graph.windows.net/",
                "--endpoint-management", "https://management.core.windows.net/",
                "--suffix-keyvault-dns", ".vault.azure.net");
        az("cloud", "set", "--name", "BootmedicEmulator");
        // a made-up service principal of the emulator; not a secret of anything real
        az("login", "--service-principal", "--username", "bm-sp", "--password", "emulator-client-secret",
                "--tenant", ComputeState.TENANT, "--output", "none");
    }

    /** Runs az and fails the test setup on a non-zero exit. */
    Result az(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(AZ));
        cmd.addAll(List.of(args));
        Result r = run(cmd, Map.of());
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + "\n" + r);
        }
        return r;
    }

    Result script(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/azure/remediate.sh"));
        cmd.addAll(List.of(args));
        return run(cmd, extraEnv);
    }

    Result script(String... args) throws IOException, InterruptedException {
        return script(Map.of(), args);
    }

    Process start(List<String> cmd, Map<String, String> extraEnv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        return pb.start();
    }

    Result run(List<String> cmd, Map<String, String> extraEnv) throws IOException, InterruptedException {
        Process p = start(cmd, extraEnv);
        return finish(p, 900);
    }

    static Result finish(Process p, int seconds) throws IOException, InterruptedException {
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("timed out after " + seconds + " s\n--- stdout\n" + out.getNow("") + "\n--- stderr\n" + err.getNow(""));
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    @Override
    public void close() {
        arm.close();
    }
}
