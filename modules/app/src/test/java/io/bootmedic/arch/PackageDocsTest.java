package io.bootmedic.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every package says what it holds and where it sits in the pipeline (a package-info.java). */
class PackageDocsTest {
    @Test
    void everyPackageWithClassesHasAPackageInfo() throws IOException {
        Path root = Path.of("src/main/java/io/bootmedic");
        try (Stream<Path> dirs = Files.walk(root)) {
            List<String> missing = dirs.filter(Files::isDirectory)
                    .filter(d -> hasJava(d) && !Files.isRegularFile(d.resolve("package-info.java")))
                    .map(d -> root.relativize(d).toString()).sorted().toList();
            assertEquals(List.of(), missing, "packages without a package-info.java");
        }
    }

    private static boolean hasJava(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".java") && !f.getFileName().toString().equals("package-info.java"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
