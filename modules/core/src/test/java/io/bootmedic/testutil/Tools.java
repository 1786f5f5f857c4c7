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

    /** Copies partition {@code n} of a raw disk out with dd, at the offsets sgdisk reports. */
    public static Path partition(Path disk, int n, Path out) throws IOException, InterruptedException {
        String info = ok("sgdisk", "-i", Integer.toString(n), disk.toString());
        long first = sector(info, "First sector");
        long last = sector(info, "Last sector");
        java.nio.file.Files.deleteIfExists(out);
        ok("dd", "if=" + disk, "of=" + out, "bs=512", "skip=" + first, "count=" + (last - first + 1), "conv=sparse", "status=none");
        return out;
    }

    private static long sector(String sgdiskInfo, String key) {
        return sgdiskInfo.lines().filter(l -> l.startsWith(key)).map(l -> Long.parseLong(l.split("\\s+")[2])).findFirst().orElseThrow();
    }

    /** SHA-256 of what ntfscat prints for a path (asserting it exists). */
    public static String ntfscatSha(Path part, String path) throws Exception {
        Process p = new ProcessBuilder("ntfscat", part.toString(), path).start();
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(p.getInputStream().readAllBytes()));
        if (p.waitFor() != 0) {
            throw new AssertionError("ntfscat: " + path + " not found on " + part);
        }
        return sha;
    }
}
