package io.bootmedic.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dependencies between packages go one way, down the pipeline of docs/design.md §1:
 * cli → application (batch, volumes: where the volumes come from) → remediation (the engine) →
 * fs / report / format / util. No package reaches back into one that uses it.
 */
class DependencyDirectionTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMain() {
        classes = MainClasses.load();
    }

    @Test
    void seesTheClassesOfEveryModule() {
        // the rules below would pass vacuously over a module whose classes the importer missed
        for (String name : List.of("io.bootmedic.remediation.RemediationRun", "io.bootmedic.cli.Main", "io.bootmedic.cli.CollectorCommand",
                "io.bootmedic.collector.http.CollectorServer", "io.bootmedic.collector.store.Database")) {
            assertTrue(classes.contain(name), name + " was not imported");
        }
    }

    @Test
    void topLevelPackagesAreFreeOfCycles() {
        slices().matching("io.bootmedic.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void everyPackageIsFreeOfCycles() {
        slices().matching("io.bootmedic.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheCommandLineUsesTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("io.bootmedic.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.bootmedic.cli..").check(classes);
    }

    @Test
    void theEngineKnowsNothingOfWhereVolumesComeFromOrWhoCallsIt() {
        noClasses().that().resideInAPackage("io.bootmedic.remediation..")
                .should().dependOnClassesThat().resideInAnyPackage("io.bootmedic.cli..", "io.bootmedic.batch..", "io.bootmedic.volumes..",
                        "io.bootmedic.collector..", "io.bootmedic.console..", "io.bootmedic.platform..", "io.bootmedic.image..",
                        "io.bootmedic.bitlocker..", "io.bootmedic.ntfs..", "io.bootmedic.neutralize..", "io.bootmedic.keys..")
                .check(classes);
    }

    @Test
    void theFoundationUsesNothingAboveIt() {
        noClasses().that().resideInAnyPackage("io.bootmedic.fs..", "io.bootmedic.report..", "io.bootmedic.format..", "io.bootmedic.util..")
                .should().dependOnClassesThat().resideInAnyPackage("io.bootmedic.cli..", "io.bootmedic.batch..", "io.bootmedic.volumes..",
                        "io.bootmedic.remediation..", "io.bootmedic.neutralize..", "io.bootmedic.playbook..", "io.bootmedic.collector..",
                        "io.bootmedic.console..", "io.bootmedic.platform..", "io.bootmedic.image..", "io.bootmedic.bitlocker..",
                        "io.bootmedic.ntfs..", "io.bootmedic.keys..", "io.bootmedic.registry..")
                .check(classes);
    }

    @Test
    void theBatchLoopIsNotTheCommandLine() {
        noClasses().that().resideInAPackage("io.bootmedic.batch..")
                .should().dependOnClassesThat().resideInAnyPackage("io.bootmedic.cli..", "io.bootmedic.console..").check(classes);
    }

    @Test
    void bouncyCastleStaysInTheCryptographicPackages() {
        // the command line and the engine see the project's own key types (playbook.SigningKey, ...), never a library's
        noClasses().that().resideOutsideOfPackages("io.bootmedic.playbook..", "io.bootmedic.bitlocker..", "io.bootmedic.keys..",
                        "io.bootmedic.collector..")
                .should().dependOnClassesThat().resideInAPackage("org.bouncycastle..").check(classes);
    }
}
