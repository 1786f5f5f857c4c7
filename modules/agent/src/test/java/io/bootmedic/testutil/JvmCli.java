package io.bootmedic.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command line in a JVM of its own with a small heap (-Xmx256m, the promise of issue 12),
 * on the test classpath, so memory refusals are tested as a user meets them: an
 * OutOfMemoryError there is a stack trace on stderr, not a caught error inside the test JVM.
 */
public final class JvmCli {
    public final int exit;
    public final String out;
    public final String err;

    private JvmCli(int exit, String out, String err) {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    public static JvmCli run(Path workDir, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "io.bootmedic.cli.Main"));
        cmd.addAll(List.of(args));
        Path outFile = Files.createTempFile(workDir, "out", ".txt");
        Path errFile = Files.createTempFile(workDir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).directory(workDir.toFile());
        pb.environment().remove("BOOTMEDIC_DEBUG");
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("bootmedic " + String.join(" ", args) + " did not end within " + timeoutSeconds + " s");
        }
        return new JvmCli(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8), Files.readString(errFile, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
