package io.bootmedic.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Windows and Linux code stay apart, and the engine never depends on either. */
class PlatformLayeringTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMain() {
        classes = MainClasses.load();
    }

    @Test
    void windowsDoesNotUseLinux() {
        noClasses().that().resideInAPackage("io.bootmedic.platform.windows..")
                .should().dependOnClassesThat().resideInAPackage("io.bootmedic.platform.linux..").check(classes);
    }

    @Test
    void linuxDoesNotUseWindows() {
        noClasses().that().resideInAPackage("io.bootmedic.platform.linux..")
                .should().dependOnClassesThat().resideInAPackage("io.bootmedic.platform.windows..").check(classes);
    }

    @Test
    void engineFileSystemAndReportUseNoPlatformCode() {
        noClasses().that().resideInAnyPackage("io.bootmedic.remediation..", "io.bootmedic.fs..", "io.bootmedic.report..")
                .should().dependOnClassesThat().resideInAnyPackage("io.bootmedic.platform.windows..", "io.bootmedic.platform.linux..")
                .check(classes);
    }

    @Test
    void platformInterfacesUseNoImplementation() {
        // PlatformFactory reaches the implementations by name only, so the shared package stays free of them
        noClasses().that().resideInAPackage("io.bootmedic.platform")
                .should().dependOnClassesThat().resideInAnyPackage("io.bootmedic.platform.windows..", "io.bootmedic.platform.linux..")
                .check(classes);
    }

    @Test
    void onlyTheWindowsPackageTouchesWin32Bindings() {
        // the thin Win32 layers: the platform's, and the repair route's registry calls (osrepair.win32, which sits above
        // osrepair and so cannot live under platform.windows without a package cycle)
        noClasses().that().resideOutsideOfPackages("io.bootmedic.platform.windows..", "io.bootmedic.osrepair.win32..")
                .should().dependOnClassesThat().resideInAPackage("com.sun.jna.platform.win32..").check(classes);
    }
}
