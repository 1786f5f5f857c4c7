package io.bootmedic.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;

/**
 * Every module's main classes and nothing else. ArchUnit's DO_NOT_INCLUDE_TESTS knows test-classes
 * folders only; since each module's test helpers reach this one as a test-jar
 * ({@code bootmedic-core-0.1.0-tests.jar}), those jars are left out here too.
 */
final class MainClasses {
    private MainClasses() {
    }

    static final ImportOption NO_TEST_JARS = (Location location) -> !location.contains("-tests.jar");

    static JavaClasses load() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(NO_TEST_JARS)
                .importPackages("io.bootmedic");
    }
}
