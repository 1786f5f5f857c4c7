package io.bootmedic.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Extracts cryptsetup's real BitLocker images from shared/ once per test run (skips when absent). */
public final class BitLockerKeyIdsTestSupport {
    private static Path dir;

    private BitLockerKeyIdsTestSupport() {
    }

    public static synchronized Path realImage(String name) throws IOException, InterruptedException {
        if (dir == null) {
            Path archive = BitLockerKeyIdsTest.shared().resolve("bitlocker/bitlk-images.tar.xz");
            assumeTrue(Files.isRegularFile(archive), "shared test data not found at " + archive.toAbsolutePath()
                    + " (set BOOTMEDIC_SHARED to the shared folder); skipping the real-volume test");
            Path target = Files.createTempDirectory("bootmedic-bitlk-");
            // sparse images: 2.2 GB apparent size, so do not leave them behind in /tmp
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(target)));
            Process p = new ProcessBuilder("tar", "-xJSf", archive.toAbsolutePath().toString(), "-C", target.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException("tar -xJSf failed (needs the Debian packages tar and xz-utils): " + out);
            }
            dir = target.resolve("bitlk-images");
        }
        return dir.resolve(name);
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }
}
