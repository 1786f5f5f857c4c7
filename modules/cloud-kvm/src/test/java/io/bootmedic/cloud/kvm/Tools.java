package io.bootmedic.cloud.kvm;

import io.bootmedic.cli.Main;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Debian tools the tests build fixtures with and check results against, and bootmedic's command line in-process. */
final class Tools {
    private Tools() {
    }

    record Result(int exit, String out) {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed; run scripts/setup-debian.sh (ntfs-3g, gdisk, dosfstools, qemu-utils)", e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in 2 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(List.of(command));
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + r.exit() + "):\n" + r.out());
        }
        return r.out();
    }

    /** scripts/make-practice-disk.sh: a GPT disk with an ESP, an MSR and an empty NTFS partition. */
    static Path practiceDisk(Path out, int sizeMib) throws IOException, InterruptedException {
        ok("bash", "scripts/make-practice-disk.sh", out.toString(), Integer.toString(sizeMib));
        return out;
    }

    /** bootmedic's command line, in this JVM; returns "exit N" and what it printed. */
    static Result bootmedic(String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(out, true));
        return new Result(exit, out.toString());
    }
}
