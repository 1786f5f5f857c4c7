package io.bootmedic.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every package says what it holds and where it sits in the pipeline (a package-info.java). */
class PackageDocsTest {
    /** The modules with main sources; a package may span two of them (cli: agent and collector). */
    static final List<String> MODULES = List.of("core", "agent", "collector", "cloud");

    @Test
    void everyPackageWithClassesHasAPackageInfo() throws IOException {
        Set<String> withClasses = new TreeSet<>();
        Set<String> documented = new TreeSet<>();
        for (String module : MODULES) {
            Path root = Path.of("modules", module, "src/main/java/io/bootmedic");
            assertTrue(Files.isDirectory(root), root + " is missing: run the tests from the repository root");
            try (Stream<Path> dirs = Files.walk(root)) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) {
                    String pkg = root.relativize(d).toString();
                    if (hasJava(d)) {
                        withClasses.add(pkg);
                    }
                    if (Files.isRegularFile(d.resolve("package-info.java"))) {
                        documented.add(pkg);
                    }
                }
            }
        }
        assertTrue(withClasses.contains("cli") && withClasses.contains("collector/http"), "found the packages: " + withClasses);
        withClasses.removeAll(documented);
        assertEquals(Set.of(), withClasses, "packages without a package-info.java in any module");
    }

    @Test
    void noTwoModulesDocumentOnePackage() throws IOException {
        // two package-info classes of one name would overlap in the shaded jar
        Map<String, String> seen = new HashMap<>();
        for (String module : MODULES) {
            Path root = Path.of("modules", module, "src/main/java");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(f -> f.getFileName().toString().equals("package-info.java")).toList()) {
                    String pkg = root.relativize(f.getParent()).toString();
                    String before = seen.put(pkg, module);
                    assertNull(before, pkg + " has a package-info.java in both " + before + " and " + module);
                }
            }
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
