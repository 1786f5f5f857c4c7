package io.bootmedic.testutil;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The BitLocker volumes Windows made (cryptsetup's test set), unpacked once per test run with GNU tar, keeping holes. */
public final class BitLockerImages {
    private static Path dir;

    private BitLockerImages() {
    }

    public static synchronized Path dir() throws IOException, InterruptedException {
        if (dir == null) {
            Path archive = SharedData.file("bitlocker/bitlk-images.tar.xz");
            Path out = Files.createTempDirectory("bootmedic-bitlk");
            Tools.ok("tar", "-xJSf", archive.toAbsolutePath().toString(), "-C", out.toString());
            dir = out.resolve("bitlk-images");
            Assumptions.assumeTrue(Files.isDirectory(dir), "skipped: the archive did not contain bitlk-images/");
        }
        return dir;
    }

    public static Path image(String name) throws IOException, InterruptedException {
        return dir().resolve("bitlk-" + name + ".img");
    }
}
