package io.bootmedic.massremediation.aws;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs scripts/aws/remediate.sh with the real /usr/bin/aws (first on PATH through a symlink:
 * the pyenv shim on this machine's PATH is never reached) pointed at the loopback endpoint,
 * dummy credentials, a private HOME and AWS_CONFIG_FILE, and short poll intervals.
 */
final class RouteRun {
    static final Path AWS = Path.of("/usr/bin/aws");
    /** -Dbootmedic.aws.script=PATH runs the tests against another version of the script (e.g. the one on main). */
    static final String SCRIPT = System.getProperty("bootmedic.aws.script", "scripts/aws/remediate.sh");

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private final Path dir;
    private final AwsEndpoint endpoint;
    final Map<String, String> env = new java.util.LinkedHashMap<>();

    RouteRun(Path dir, AwsEndpoint endpoint) throws IOException {
        this.dir = dir;
        this.endpoint = endpoint;
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path home = Files.createDirectories(dir.resolve("home"));
        if (!Files.exists(bin.resolve("aws"))) {
            Files.createSymbolicLink(bin.resolve("aws"), AWS);
        }
        Path config = Files.writeString(dir.resolve("aws-config"), "[default]\nregion = eu-west-1\ncli_pager =\n");
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        env.put("AWS_CONFIG_FILE", config.toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString());
        env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEDUMMY");
        env.put("AWS_SECRET_ACCESS_KEY", "dummy-secret-for-the-loopback-endpoint");
        env.put("AWS_DEFAULT_REGION", "eu-west-1");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_MAX_ATTEMPTS", "1");
        env.put("AWS_ENDPOINT_URL", endpoint.url());
        env.put("BOOTMEDIC_AWS_POLL_SECONDS", "0.05");
    }

    Path record() {
        return dir.resolve("runs.tsv");
    }

    Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT));
        cmd.addAll(List.of(args));
        if (!List.of(args).contains("--record")) {
            cmd.addAll(List.of("--record", record().toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")));
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(dir.resolve("stdout").toFile());
        pb.redirectError(dir.resolve("stderr").toFile());
        return pb.start();
    }

    Result finish(Process p) throws Exception {
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the script did not end within 300 s");
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8));
    }

    Result run(String... args) throws Exception {
        return finish(start(args));
    }
}
