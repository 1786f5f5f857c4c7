package io.bootmedic.testutil;

import org.junit.jupiter.api.Assumptions;
import org.tukaani.xz.XZInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Real data made by systems we did not write, kept in ../shared/testdata (never copied into the
 * repository). Tests that need it are skipped, with a message, where it is absent.
 */
public final class SharedData {
    private SharedData() {
    }

    public static Path testdata() {
        String env = System.getenv("BOOTMEDIC_SHARED");
        Path dir = env != null ? Path.of(env).resolve("testdata") : Path.of("..", "shared", "testdata");
        Assumptions.assumeTrue(Files.isDirectory(dir),
                "skipped: real test data not found at " + dir.toAbsolutePath() + " (clone with ../shared beside the project, or set BOOTMEDIC_SHARED)");
        return dir;
    }

    public static Path file(String relative) {
        Path p = testdata().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: " + p + " is missing from the shared test data");
        return p;
    }

    /** Decompresses an .xz file from the shared data into {@code dir}. */
    public static Path unxz(String relative, Path dir) throws IOException {
        Path source = file(relative);
        String name = source.getFileName().toString().replaceFirst("\\.xz$", "");
        Path out = dir.resolve(name);
        try (InputStream in = new XZInputStream(Files.newInputStream(source))) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }
}
