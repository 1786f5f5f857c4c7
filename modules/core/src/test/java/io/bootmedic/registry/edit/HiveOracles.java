package io.bootmedic.registry.edit;

import io.bootmedic.testutil.SharedData;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The independent readers the edit tests judge against (hivex, and libregf where installed), and the shared fixtures. */
final class HiveOracles {
    private HiveOracles() {
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void require(String tool, String debianPackage) {
        Assumptions.assumeTrue(installed(tool), "skipped: " + tool + " is not installed (Debian package " + debianPackage
                + "; scripts/setup-debian.sh installs it)");
    }

    static String hivexget(Path hive, String key, String value) throws IOException, InterruptedException {
        require("hivexget", "libhivex-bin");
        return Tools.ok("hivexget", hive.toString(), key, value).strip();
    }

    /** Every value of a key, as hivexget prints them (.reg style, in the key's order). */
    static String hivexvalues(Path hive, String key) throws IOException, InterruptedException {
        require("hivexget", "libhivex-bin");
        return Tools.ok("hivexget", hive.toString(), key);
    }

    /** The whole tree as hivexml prints it (names, types, data, key times). */
    static String hivexml(Path hive) throws IOException, InterruptedException {
        require("hivexml", "libhivex-bin");
        return Tools.ok("hivexml", hive.toString());
    }

    /** Runs a hivexsh script with writes enabled ({@code hivexsh -w}); the script should end with "commit". */
    static void hivexsh(Path hive, Path dir, String script) throws IOException, InterruptedException {
        require("hivexsh", "libhivex-bin");
        Path f = Files.writeString(dir.resolve("hivexsh-" + System.nanoTime() + ".txt"), script);
        Tools.ok("hivexsh", "-w", "-f", f.toString(), hive.toString());
    }

    static byte[] unxz(String relative, Path dir) throws IOException {
        return Files.readAllBytes(SharedData.unxz(relative, dir));
    }

    static byte[] shared(String relative) throws IOException {
        return Files.readAllBytes(SharedData.file(relative));
    }

    /**
     * The expectation derived straight from a new-format log, without the replay's logic: the primary with every
     * {@code HvLE} entry's pages laid over it in file order, from {@code firstSequence} on (test code, no checks).
     */
    static byte[] overlay(byte[] primary, byte[] log, long firstSequence) {
        ByteBuffer l = ByteBuffer.wrap(log).order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = primary.clone();
        long binsSize = l.getInt(40) & 0xFFFFFFFFL;
        for (int off = 512; off + 40 <= log.length && l.getInt(off) == 0x454C7648; off += l.getInt(off + 4)) {
            long seq = l.getInt(off + 12) & 0xFFFFFFFFL;
            int count = l.getInt(off + 20);
            if (seq < firstSequence) {
                continue;
            }
            binsSize = l.getInt(off + 16) & 0xFFFFFFFFL;
            if (4096 + binsSize > out.length) {
                out = java.util.Arrays.copyOf(out, (int) (4096 + binsSize));
            }
            int data = off + 40 + 8 * count;
            for (int i = 0; i < count; i++) {
                int o = l.getInt(off + 40 + 8 * i);
                int s = l.getInt(off + 44 + 8 * i);
                System.arraycopy(log, data, out, 4096 + o, s);
                data += s;
            }
        }
        return out;
    }

    /** Every HvLE entry's sequence number, in file order (test code). */
    static List<Long> entrySequences(byte[] log) {
        ByteBuffer l = ByteBuffer.wrap(log).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> out = new ArrayList<>();
        for (int off = 512; off + 40 <= log.length && l.getInt(off) == 0x454C7648; off += l.getInt(off + 4)) {
            out.add(l.getInt(off + 12) & 0xFFFFFFFFL);
        }
        return out;
    }

    static long u32(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at) & 0xFFFFFFFFL;
    }
}
