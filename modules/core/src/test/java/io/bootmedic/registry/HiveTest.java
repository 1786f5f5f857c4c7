package io.bootmedic.registry;

import io.bootmedic.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hive reader against hives written by Windows (../shared/testdata/registry). */
class HiveTest {
    @TempDir
    Path tmp;

    static Hive open(Path file) throws IOException {
        SeekableByteChannel ch = Files.newByteChannel(file);
        return Hive.open(ch);
    }

    static String value(Hive hive, String key, String value) throws IOException {
        Optional<HiveKey> k = hive.key(key);
        if (k.isEmpty() || k.get().value(value).isEmpty()) {
            return null;
        }
        return k.get().value(value).get().asString();
    }

    @Test
    void windows7SystemHiveUsesTheCurrentControlSetNotTheNewest() throws IOException {
        Hive hive = open(SharedData.unxz("registry/regipy/SYSTEM.xz", tmp));
        assertEquals("CMI-CreateHive{F10156BE-0E87-4EFB-969E-5DA29D131144}", hive.root().name());
        assertEquals(1, hive.key("Select").get().value("Current").get().asLong());
        assertEquals("WKS-WIN732BITA", WindowsIdentityReader.computerName(hive));
        assertEquals("WIN-V5T3CSP8U4H", value(hive, "ControlSet002\\Control\\ComputerName\\ComputerName", "ComputerName"));
        assertEquals("mnmsrvc", value(hive, "ControlSet001\\Control\\ComputerName\\ComputerName", ""), "the default value is separate from the named one");
        assertEquals("WKS-WIN732BITA", value(hive, "controlset001\\CONTROL\\computername\\ComputerName", "computername"), "case-insensitive");
        assertFalse(hive.dirty());
    }

    @Test
    void windows10SystemHiveThatWasNotFlushed() throws IOException {
        Hive hive = open(SharedData.unxz("registry/regipy/SYSTEM_WIN_10_1709.xz", tmp));
        assertTrue(hive.dirty());
        assertEquals("ROOT", hive.root().name());
        assertEquals("DESKTOP-2KGM189", WindowsIdentityReader.computerName(hive));
        String source = "Setup\\Source OS (Updated on 5/16/2019 00:55:20)";
        assertEquals("Windows 10 Pro", value(hive, source, "ProductName"));
        assertEquals("17134", value(hive, source, "CurrentBuild"));
        assertEquals("1803", value(hive, source, "ReleaseId"));
        assertEquals("15063", value(hive, "Setup\\Source OS (Updated on 1/6/2019 02:18:37)", "CurrentBuild"));
    }

    @Test
    void windowsNt4HivesHaveOnlyLfListsAndNoProductName() throws IOException {
        Hive system = open(SharedData.file("registry/aiowinreg-nt4/system.reg"));
        assertEquals("System", system.root().name());
        assertEquals("SERVER", WindowsIdentityReader.computerName(system));
        assertEquals("LanmanNT", value(system, "ControlSet001\\Control\\ProductOptions", "ProductType"));
        Hive software = open(SharedData.file("registry/aiowinreg-nt4/software.reg"));
        assertEquals("Software", software.root().name());
        assertEquals("1.511.1 () (Obsolete data - do not use)", value(software, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild"));
        String[] product = WindowsIdentityReader.product(software);
        assertEquals("Windows NT 4.0", product[0], "no ProductName: falls back to the version");
        assertEquals("1381", product[1], "CurrentBuild is not a number there: CurrentBuildNumber is used");
    }

    @Test
    void minimalHiveFindsNothingWithoutFailing() throws IOException {
        Hive hive = open(SharedData.file("registry/hivex/minimal"));
        assertEquals("$$$PROTO.HIV", hive.root().name());
        assertTrue(hive.root().subkeys().isEmpty());
        assertTrue(hive.root().values().isEmpty());
        assertEquals(null, WindowsIdentityReader.computerName(hive));
        assertEquals(null, WindowsIdentityReader.product(hive));
    }

    @Test
    void oddNamesLatin1Utf16AndEmbeddedNul() throws IOException {
        Hive hive = open(SharedData.file("registry/hivex/special"));
        List<String> names = hive.root().subkeys().stream().map(HiveKey::name).toList();
        assertTrue(names.contains("abcd_äöüß"), names.toString());
        assertTrue(names.contains("weird™"), names.toString());
        assertTrue(names.contains("zero\0key"), names.toString());
        HiveKey weird = hive.key("weird™").orElseThrow();
        assertEquals(0, weird.value("symbols $£₤₧€").orElseThrow().asLong());
        assertEquals(0, hive.key("ABCD_ÄÖÜß").orElseThrow().value("abcd_äöüß").orElseThrow().asLong());
        assertEquals(0, hive.key("zero\0key").orElseThrow().value("zero\0val").orElseThrow().asLong());
    }

    @Test
    void truncatedAndDamagedHivesGiveClearErrorsAndNeverHang() throws IOException {
        byte[] real = Files.readAllBytes(SharedData.unxz("registry/regipy/SYSTEM.xz", tmp));
        Path cut = Files.write(tmp.resolve("cut"), java.util.Arrays.copyOf(real, 1024 * 1024));
        IOException e = assertThrows(IOException.class, () -> WindowsIdentityReader.computerName(open(cut)));
        assertTrue(e.getMessage().contains("outside the hive") || e.getMessage().contains("truncated"), e.getMessage());

        Path notAHive = Files.write(tmp.resolve("zeros"), new byte[8192]);
        assertTrue(assertThrows(HiveFormatException.class, () -> open(notAHive)).getMessage().contains("regf"));

        Random random = new Random(42);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 40; round++) {
                byte[] damaged = real.clone();
                for (int i = 0; i < 200; i++) {
                    // damage the part of the hive the lookups walk through
                    damaged[4096 + random.nextInt(256 * 1024)] = (byte) random.nextInt();
                }
                Path f = Files.write(tmp.resolve("damaged"), damaged);
                try {
                    WindowsIdentityReader.computerName(open(f));
                } catch (IOException expected) {
                    assertFalse(expected.getMessage() == null || expected.getMessage().isBlank());
                }
            }
        });
    }
}
