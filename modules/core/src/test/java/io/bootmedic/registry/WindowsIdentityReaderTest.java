package io.bootmedic.registry;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowsIdentityReaderTest {
    @TempDir
    Path root;

    private Path config(String casing) throws IOException {
        return Files.createDirectories(root.resolve(casing));
    }

    @Test
    void readsTheRealWindows10HiveFromAVolumeWhateverTheCaseOfThePath() throws IOException {
        Path config = config("windows/SYSTEM32/Config");
        Files.copy(SharedData.unxz("registry/regipy/SYSTEM_WIN_10_1709.xz", Files.createDirectories(root.resolveSibling(root.getFileName() + "-x"))),
                config.resolve("system"));
        Files.copy(SharedData.file("registry/aiowinreg-nt4/software.reg"), config.resolve("SOFTWARE"));

        IdentityProbe.Result r = new WindowsIdentityReader().identify(new LocalFileTree(root));

        assertEquals("DESKTOP-2KGM189", r.windows().computerName());
        assertEquals("Windows NT 4.0", r.windows().productName());
        assertEquals("1381", r.windows().build());
        assertTrue(r.notes().isEmpty(), r.notes().toString());
    }

    @Test
    void missingAndCorruptHivesAreUnknownWithANoteNeverAnException() throws IOException {
        Path config = config("Windows/System32/config");
        IdentityProbe.Result none = new WindowsIdentityReader().identify(new LocalFileTree(root));
        assertNull(none.windows().computerName());
        assertNull(none.windows().build());
        assertEquals(2, none.notes().size());
        assertTrue(none.notes().get(0).contains("not found"), none.notes().get(0));

        Files.write(config.resolve("SYSTEM"), "this is not a hive".repeat(400).getBytes());
        IdentityProbe.Result corrupt = new WindowsIdentityReader().identify(new LocalFileTree(root));
        assertNull(corrupt.windows().computerName());
        assertTrue(corrupt.notes().get(0).contains("could not be read") && corrupt.notes().get(0).contains("regf"), corrupt.notes().get(0));
    }

    @Test
    void aSymlinkedHiveIsNotFollowed() throws IOException {
        Path config = config("Windows/System32/config");
        Path elsewhere = Files.write(root.resolveSibling(root.getFileName() + "-other-SYSTEM"), PracticeTree.systemHive("OTHER-MACHINE"));
        Files.createSymbolicLink(config.resolve("SYSTEM"), elsewhere);
        IdentityProbe.Result r = new WindowsIdentityReader().identify(new LocalFileTree(root));
        assertNull(r.windows().computerName());
        assertTrue(r.notes().get(0).contains("refusing to follow"), r.notes().get(0));
    }

    @Test
    void syntheticSoftwareHiveOfWindows11IsNamedWindows11() throws IOException {
        // synthetic: no real modern SOFTWARE hive small enough exists (see shared/testdata/registry/README.md)
        PracticeTree.create(root);
        IdentityProbe.Result r = new WindowsIdentityReader().identify(new LocalFileTree(root));
        assertEquals(PracticeTree.COMPUTER_NAME, r.windows().computerName(), "ControlSet001 per Select\\Current, not ControlSet002");
        assertEquals("Windows 11 Enterprise", r.windows().productName());
        assertEquals("22631.3880", r.windows().build());
    }

    @Test
    void hivesWeWriteAreReadTheSameByHivex() throws Exception {
        Path hive = Files.write(root.resolve("SYSTEM"), PracticeTree.systemHive("HIVEX-CHECK"));
        assertEquals("HIVEX-CHECK", hivexget(hive, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName"));
        assertEquals("1", hivexget(hive, "Select", "Current"));
        Path software = Files.write(root.resolve("SOFTWARE"), PracticeTree.softwareHive());
        assertEquals("22631", hivexget(software, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild"));
    }

    private static String hivexget(Path hive, String key, String value) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("hivexget", hive.toString(), key, value).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("hivexget is missing: install Debian's libhivex-bin (scripts/setup-debian.sh does)", e);
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
