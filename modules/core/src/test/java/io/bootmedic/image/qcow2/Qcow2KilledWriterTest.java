package io.bootmedic.image.qcow2;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real corruption, not made by hand: qemu-img convert and qemu-io killed with SIGKILL at points
 * along their run leave qcow2 files as a crash would (metadata not yet written, refcounts behind,
 * the file cut anywhere). Whatever state each is in, bootmedic either refuses cleanly (one message
 * naming the file, not one byte changed) or writes and leaves an image qemu-img check finds no
 * corruption in; and where qemu itself finds corruption or cannot open it, bootmedic refuses.
 */
class Qcow2KilledWriterTest {
    @TempDir
    Path tmp;

    @Test
    void imagesWhoseWriterWasKilledAreRepairedOrRefusedCleanly() throws Exception {
        Path source = tmp.resolve("source.raw");
        byte[] noise = new byte[1 << 20];
        Random r = new Random(1);
        try (var out = Files.newOutputStream(source)) {
            for (int i = 0; i < 48; i++) {
                r.nextBytes(noise);
                out.write(noise);
            }
        }
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        Random delays = new Random(21);
        for (int k = 0; k < 8; k++) {
            Path image = tmp.resolve("killed-" + k + ".qcow2");
            List<String> writer;
            if (k % 2 == 0) {
                writer = List.of("qemu-img", "convert", "-O", "qcow2", "-o", "cluster_size=4096", source.toString(), image.toString());
            } else {
                Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "48M");
                writer = List.of("qemu-io", "-c", "write -P 0x5a 0 40M", "-c", "write -P 0x6b 8M 30M", image.toString());
            }
            Process p = new ProcessBuilder(writer).redirectErrorStream(true).redirectOutput(tmp.resolve("writer.log").toFile()).start();
            Thread.sleep(20 + delays.nextInt(400));
            p.destroyForcibly(); // SIGKILL: no cleanup, no flush
            p.waitFor(20, TimeUnit.SECONDS);
            if (!Files.exists(image)) {
                continue;
            }
            wrong.addAll(check(image));
            checked++;
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(checked >= 4, "only " + checked + " writers left a file to check");
    }

    private static List<String> check(Path image) throws Exception {
        Tools.Result before = Tools.run(List.of("qemu-img", "check", "-q", "-f", "qcow2", image.toString()));
        boolean qemuAccepts = before.exit() == 0 || before.exit() == 3;
        String sha = TreeSnapshot.sha256(image);
        try (BlockDevice d = ImageOpener.open(image, true)) {
            for (long at : new long[] {0, d.size() / 3, d.size() - 4096}) {
                d.write(at, ByteBuffer.allocate(4096));
            }
        } catch (FormatException e) {
            assertTrue(e.getMessage().contains(image.toString()), e.getMessage());
            assertEquals(sha, TreeSnapshot.sha256(image), image + ": a refusal changed the image (" + e.getMessage() + ")");
            return List.of();
        }
        if (!qemuAccepts) {
            return List.of(image + ": qemu-img check said " + before.exit() + " (" + before.out().strip() + ") but bootmedic wrote");
        }
        Tools.Result after = Tools.run(List.of("qemu-img", "check", "-q", "-f", "qcow2", image.toString()));
        return after.exit() == 0 || after.exit() == 3 ? List.of() : List.of(image + ": after the write qemu-img check says " + after.out().strip());
    }
}
