package io.bootmedic.winpe;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The media scripts cannot run here, but what they refer to can be checked: files they copy
 * exist, the JNA library they unpack is where the jar keeps it, and the start script points JNA
 * at the folder the build puts it in.
 */
class WinPeMediaFilesTest {
    static final Path WINPE = Path.of("winpe");

    @Test
    void everyFileBuildPs1CopiesFromTheRepoExists() throws IOException {
        String build = Files.readString(WINPE.resolve("build.ps1"));
        Matcher m = Pattern.compile("Join-Path \\$PSScriptRoot '([^']+)'").matcher(build);
        List<String> referenced = new ArrayList<>();
        while (m.find()) {
            referenced.add(m.group(1));
        }
        assertTrue(referenced.size() >= 5, "build.ps1 should name its helper files: " + referenced);
        for (String rel : referenced) {
            Path p = WINPE.resolve(rel.replace('\\', '/'));
            assertTrue(Files.exists(p), "build.ps1 refers to " + rel + " but " + p + " does not exist");
        }
    }

    @Test
    void jnaNativeLibraryPathsMatchTheJnaJar() throws IOException {
        String common = Files.readString(WINPE.resolve("lib/common.ps1"));
        Matcher m = Pattern.compile("'(com/sun/jna/win32-[^']+/jnidispatch\\.dll)'").matcher(common);
        int found = 0;
        while (m.find()) {
            found++;
            assertNotNull(com.sun.jna.Native.class.getClassLoader().getResource(m.group(1)),
                    "the JNA jar on the classpath has no " + m.group(1) + ": update winpe/lib/common.ps1 for this JNA version");
        }
        assertEquals(2, found, "x64 and arm64 entries expected in common.ps1");
    }

    @Test
    void startScriptUsesTheUnpackedLibraryAndTheAllTarget() throws IOException {
        String cmd = Files.readString(WINPE.resolve("media/bootmedic.cmd"));
        String common = Files.readString(WINPE.resolve("lib/common.ps1"));
        assertTrue(common.contains("Join-Path $dir 'native'"), "build puts jnidispatch.dll into bootmedic\\native");
        assertTrue(cmd.contains("-Djna.nounpack=true"), "JNA must not unpack to the RAM disk at every start");
        assertTrue(cmd.contains("-Djna.boot.library.path=%BM%\\native"), "JNA must load the DLL the build unpacked");
        assertTrue(cmd.contains("fix --all --outbox"), cmd);
        String ini = Files.readString(WINPE.resolve("media/winpeshl.ini"));
        assertTrue(ini.contains("[LaunchApps]") && ini.contains("wpeinit.exe") && ini.contains("bootmedic.cmd"), ini);
    }

    @Test
    void componentsAndModulesAreTheOnesBitLockerNeeds() throws IOException {
        String common = Files.readString(WINPE.resolve("lib/common.ps1"));
        for (String oc : List.of("WinPE-WMI", "WinPE-SecureStartup", "WinPE-Scripting", "WinPE-StorageWMI", "WinPE-EnhancedStorage")) {
            assertTrue(common.contains("'" + oc + "'"), oc + " missing from the optional components");
        }
        assertTrue(common.contains("en-us\\${name}_en-us.cab"), "each component needs its language pack");
        assertTrue(common.contains("'java.base,java.logging,jdk.crypto.ec'"), "jlink module list");
    }
}
