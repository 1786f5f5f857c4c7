package io.bootmedic.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the Debian tools the tests build fixtures with and check results against. */
public final class Tools {
    private Tools() {
    }

    public record Result(int exit, String out) {
    }

    public static Result run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed; run scripts/setup-debian.sh (it installs ntfs-3g, gdisk, dosfstools, qemu-utils)", e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in 2 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    public static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(List.of(command));
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + r.exit() + "):\n" + r.out());
        }
        return r.out();
    }

    public static Path practiceDisk(Path out, int sizeMib) throws IOException, InterruptedException {
        ok("bash", "scripts/make-practice-disk.sh", out.toString(), Integer.toString(sizeMib));
        return out;
    }
}
