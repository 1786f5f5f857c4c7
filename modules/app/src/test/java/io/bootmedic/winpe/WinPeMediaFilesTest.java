package io.bootmedic.winpe;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        String build = Files.readString(WINPE.resolve("build.ps1")) + Files.readString(WINPE.resolve("new-usb.ps1"));
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
        assertTrue(common.contains("Join-Path $Destination 'native'"), "build puts jnidispatch.dll into bootmedic\\native");
        assertTrue(cmd.contains("-Djna.nounpack=true"), "JNA must not unpack to the RAM disk at every start");
        assertTrue(cmd.contains("-Djna.boot.library.path=%BM%\\native"), "JNA must load the DLL the build unpacked");
        assertTrue(cmd.contains("fix --all --reboot 30 --outbox"), cmd);
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
        assertTrue(common.contains("$script:JavaModules = 'java.base,java.logging'"), "jlink module list");
        assertTrue(common.contains("$script:JavaModulesBefore22 = 'jdk.crypto.ec'"), "jdk.crypto.ec only before JDK 22");
    }

    // ---- issue 14: what would fail on a real machine ----

    private static String read(String rel) throws IOException {
        return Files.readString(Path.of(rel));
    }

    /** The lines cmd.exe runs (rem lines and labels left out). */
    private static List<String> commands(String cmd) {
        List<String> lines = new ArrayList<>();
        for (String line : cmd.split("\r?\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.regionMatches(true, 0, "rem", 0, 3) && !t.startsWith(":") && !t.startsWith("@echo")) {
                lines.add(t);
            }
        }
        return lines;
    }

    @Test
    void winPeScriptsUseNoToolWinPeLacksAndLeaveTheCountdownToJava() throws IOException {
        for (String f : List.of("media/bootmedic.cmd", "media/startnet.cmd")) {
            for (String line : commands(Files.readString(WINPE.resolve(f)))) {
                // WinPE has neither timeout.exe nor shutdown.exe; echo lines may name them
                if (!line.regionMatches(true, 0, "echo", 0, 4)) {
                    assertFalse(Pattern.compile("(?i)(^|[\\s(&])(timeout|shutdown|choice)(\\.exe)?\\b").matcher(line).find(), f + ": " + line);
                }
            }
        }
        String cmd = Files.readString(WINPE.resolve("media/bootmedic.cmd"));
        assertTrue(cmd.contains("fix --all --reboot 30"), "the Java countdown (any key cancels) restarts with wpeutil reboot");
        assertTrue(commands(cmd).stream().noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("wpeutil")),
                "no restart of its own after the Java countdown: a cancelled countdown must stay cancelled");
    }

    @Test
    void anUnattendedRunFindsThePassphraseAndStartupKeysOnTheDataPartition() throws IOException {
        String cmd = Files.readString(WINPE.resolve("media/bootmedic.cmd"));
        assertTrue(cmd.contains("if exist %DATA%\\keys.bmk if exist %DATA%\\keys.passphrase set KEYS=%KEYS% --passphrase-file %DATA%\\keys.passphrase"), cmd);
        // for %%k in (*.bek) skips hidden files; dir /a-d does not
        assertTrue(cmd.contains("dir /b /a-d \"%DATA%\\*.bek\""), cmd);
        assertTrue(cmd.contains("set KEYS=%KEYS% --bek \"%~1\""), cmd);
        assertTrue(read("docs/winpe.md").contains("keys.passphrase"), "docs/winpe.md says what keys.passphrase is for");
    }

    @Test
    void everyBootmedicOptionTheScriptsPassExists() throws IOException {
        java.io.StringWriter help = new java.io.StringWriter();
        io.bootmedic.cli.Main.run(new String[] {"fix", "--help"}, new java.io.PrintWriter(help), new java.io.PrintWriter(new java.io.StringWriter()));
        Set<String> fixOptions = new java.util.TreeSet<>();
        Matcher o = Pattern.compile("--[a-z][a-z-]+").matcher(help.toString());
        while (o.find()) {
            fixOptions.add(o.group());
        }
        assertTrue(fixOptions.containsAll(List.of("--all", "--reboot", "--clear-safeboot", "--passphrase-file", "--bek")), fixOptions.toString());
        for (String f : List.of("media/bootmedic.cmd", "safemode/fix-in-safemode.cmd", "safemode/README.md")) {
            for (String line : Files.readString(WINPE.resolve(f)).split("\n")) {
                // what comes before "-jar …bootmedic.jar" is the JVM's (--enable-native-access), not bootmedic's
                int jar = line.indexOf("bootmedic.jar");
                String args = line.contains("-jar ") && jar >= 0 ? line.substring(jar) : line;
                Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z-]+").matcher(args);
                while (m.find()) {
                    assertTrue(fixOptions.contains(m.group()), f + " passes or names " + m.group() + ", which 'bootmedic fix' does not have");
                }
            }
        }
    }

    @Test
    void noDriveLetterIsBuiltByCharArithmetic() throws IOException {
        List<Path> scripts = new ArrayList<>();
        for (Path dir : List.of(WINPE, Path.of("scripts/windows"))) {
            try (var s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".ps1")).forEach(scripts::add);
            }
        }
        assertTrue(scripts.size() >= 5, scripts.toString());
        for (Path p : scripts) {
            String text = Files.readString(p);
            // [char] + ':' is an int in PowerShell 5.1 / an error, and an empty DriveLetter is [char]0
            assertFalse(Pattern.compile("DriveLetter\\)?\\s*\\+").matcher(text).find(), p + " builds a drive letter by arithmetic");
        }
        String layout = Files.readString(WINPE.resolve("lib/usb-layout.ps1"));
        assertTrue(layout.contains("-notmatch '^[A-Za-z]$'") && layout.contains("Add-PartitionAccessPath") && layout.contains("-AssignDriveLetter"),
                "a missing letter is asked for again and refused clearly");
        assertTrue(read("scripts/windows/selftest.ps1").contains("Get-DriveRoot"), "the self-test reads letters through Get-DriveRoot");
    }

    @Test
    void theSafeModeKitIsOnTheDataPartitionWhereFixInSafeModeLooks() throws IOException {
        String build = Files.readString(WINPE.resolve("build.ps1"));
        String common = Files.readString(WINPE.resolve("lib/common.ps1"));
        String layout = Files.readString(WINPE.resolve("lib/usb-layout.ps1"));
        String kit = Files.readString(WINPE.resolve("safemode/fix-in-safemode.cmd"));
        // build: <Out>\data\bootmedic\{runtime, native, bootmedic.jar, safemode}
        assertTrue(build.contains("$data = Join-Path $work 'data'") && build.contains("$agent = Join-Path $data 'bootmedic'"), "data folder");
        assertTrue(build.contains("-Destination (Join-Path $agent 'runtime')"), "runtime in the agent folder on the data partition");
        assertTrue(build.contains("Add-SafeModeKit -KitSource (Join-Path $PSScriptRoot 'safemode') -AgentFolder $agent"), "kit beside the runtime");
        assertTrue(common.contains("$kit = Join-Path $AgentFolder 'safemode'"), common);
        assertTrue(common.contains("(Join-Path $Destination 'native\\jnidispatch.dll')") && common.contains("(Join-Path $Destination 'bootmedic.jar')"), common);
        // USB and the self-test copy that data folder onto the NTFS partition
        assertTrue(layout.contains("robocopy $Data \"$dataRoot\\\""), "data folder copied to the data partition");
        assertTrue(read("winpe/new-usb.ps1").contains("Write-BootmedicLayout -DiskNumber $DiskNumber -Stage $Stage -Data $Data"), "new-usb writes the data folder");
        // the kit: %~dp0 is <data>:\bootmedic\safemode\, so %~dp0..\ is <data>:\bootmedic\
        assertTrue(kit.contains("set \"BM=%~dp0..\\\""), kit);
        for (String[] pair : new String[][] {{"%BM%runtime\\bin\\java.exe", "bootmedic\\runtime\\bin\\java.exe"},
                {"%BM%native", "bootmedic\\native\\jnidispatch.dll"}, {"%BM%bootmedic.jar", "bootmedic\\bootmedic.jar"}}) {
            assertTrue(kit.contains(pair[0]), "fix-in-safemode.cmd looks for " + pair[0]);
            assertTrue(layout.contains("'" + pair[1] + "'"), "the self-test checks " + pair[1] + " is on the data partition");
        }
        // reports to the NTFS data partition found by its marker, not %~d0 (maybe the FAT32 boot partition)
        assertTrue(kit.contains("set \"OUTBOX=%DATA%\\reports\"") && kit.contains("bootmedic-data.marker"), kit);
        assertFalse(kit.contains("%~d0\\reports"), kit);
        // net session needs the Server service, which minimal safe mode lacks
        assertFalse(kit.toLowerCase(java.util.Locale.ROOT).contains("net session"), kit);
        assertTrue(kit.contains("fltmc >nul 2>&1"), kit);
        assertTrue(kit.contains("fix --root C:\\ --outbox \"%OUTBOX%\" --clear-safeboot --reboot 15"), kit);
        assertTrue(kit.contains("bcdedit /deletevalue {current} safeboot") && kit.contains("bcdedit /deletevalue {default} safeboot"), kit);
        assertFalse(Files.readString(WINPE.resolve("safemode/README.md")).contains("--leave-safe-mode"));
    }

    @Test
    void theIsoTakesItsBootSectorsFromTheAdkOscdimgFolderAndBootsWithoutAKeyPress() throws IOException {
        String common = Files.readString(WINPE.resolve("lib/common.ps1"));
        String build = Files.readString(WINPE.resolve("build.ps1"));
        assertFalse(common.contains("Join-Path $Stage 'boot\\etfsboot.com'"), "etfsboot.com is not in the WinPE media folder");
        assertFalse(common.contains("Join-Path $Stage 'efi\\microsoft\\boot\\efisys.bin'"), "efisys.bin is not in the WinPE media folder");
        // boot sector files of the target architecture, oscdimg.exe of the machine that runs it
        assertTrue(common.contains("BootSectors        = Join-Path $AdkRoot \"Deployment Tools\\$Arch\\Oscdimg\""), common);
        assertTrue(common.contains("Oscdimg            = Join-Path $AdkRoot \"Deployment Tools\\$hostArch\\Oscdimg\\oscdimg.exe\""), common);
        assertTrue(common.contains("Get-BootSectorFiles -OscdimgDir $BootSectors") && build.contains("-BootSectors $adk.BootSectors"), common);
        // _noprompt unless asked; _EX with -BootEx
        assertTrue(common.contains("$name = 'efisys' + $(if ($PromptForBoot) { '' } else { '_noprompt' }) + $(if ($BootEx) { '_EX' } else { '' }) + '.bin'"), common);
        // quoted paths; arm64 UEFI only
        assertTrue(common.contains("'-bootdata:2#p0,e,b\"{0}\"#pEF,e,b\"{1}\"'"), common);
        assertTrue(common.contains("'-bootdata:1#pEF,e,b\"{0}\"'"), common);
        assertTrue(common.contains("if ($Arch -ne 'arm64')"), "no etfsboot.com on arm64");
        assertTrue(common.contains("Start-Process -FilePath $Oscdimg -ArgumentList $line"), "the line reaches oscdimg unchanged");
        for (String sw : List.of("[switch] $PromptForBoot", "[switch] $BootEx", "[switch] $NoWmi")) {
            assertTrue(build.contains(sw), "build.ps1 " + sw);
        }
        assertTrue(build.contains("-PromptForBoot:$PromptForBoot -BootEx:$BootEx"), build);
        assertTrue(build.contains("Add-BootExFiles -Mount $mount -Stage $stage -Arch $Arch"), build);
        assertTrue(common.contains("'bootmgfw_EX.efi'") && common.contains("'bootmgr_EX.efi'") && common.contains("FONTS_EX"), common);
        assertTrue(build.contains("Get-WinPEComponents -NoWmi:$NoWmi") && common.contains("$_ -ne 'WinPE-WMI'"), "-NoWmi media");
        String docs = read("docs/winpe.md");
        assertFalse(docs.contains("Not done yet"), "docs/winpe.md section 5 still says -BootEx is missing");
        assertTrue(docs.contains("-BootEx") && docs.contains("-PromptForBoot"), docs);
    }

    @Test
    void theStickIsLaidOutForRawSticksAndBiosBoot() throws IOException {
        String layout = Files.readString(WINPE.resolve("lib/usb-layout.ps1"));
        // Clear-Disk fails on a never-initialised (RAW) disk
        assertTrue(Pattern.compile("if \\(\\$disk\\.PartitionStyle -ne 'RAW'\\) \\{\\s*(#[^\\n]*\\n\\s*)?Clear-Disk").matcher(layout).find(), layout);
        assertTrue(layout.contains("& $Bootsect /nt60 $bootRoot /force /mbr"), "bootsect /nt60 for BIOS boot");
        assertTrue(read("winpe/new-usb.ps1").contains("-Bootsect $bootsect"), "new-usb runs bootsect");
        assertFalse(read("winpe/new-usb.ps1").contains("Clear-Disk"), "new-usb.ps1 clears only through the layout function");
    }

    @Test
    void jlinkOptionsFollowTheJdkVersion() throws IOException {
        String common = Files.readString(WINPE.resolve("lib/common.ps1"));
        assertTrue(common.contains("if ($Major -lt 22) { $modules += $script:JavaModulesBefore22 }"), common);
        assertTrue(common.contains("$compress = if ($Major -ge 21) { '--compress=zip-6' } else { '--compress=2' }"), common);
        // no class-data archive on the media (22.5 MB for ~60 ms a start), so nothing may ask for one
        assertFalse(common.contains("'--generate-cds-archive'"), "the media runtime carries no CDS archive");
        for (String f : List.of("winpe/lib/usb-layout.ps1", "winpe/media/bootmedic.cmd", "winpe/safemode/fix-in-safemode.cmd",
                "scripts/winre/bootmedic-winre.cmd", "scripts/windows/selftest.ps1")) {
            String text = read(f);
            assertFalse(text.contains("classes.jsa") || text.contains("-Xshare"), f + " still expects a CDS archive");
        }
        assertTrue(common.contains("Get-JlinkArguments -Major $Major"), "New-JavaRuntime uses the version's arguments");
        assertTrue(read("winpe/build.ps1").contains("New-JavaRuntime -Jdk $Jdk -Major $jdkInfo.Major"), "the JDK's major version reaches jlink");
    }

    @Test
    void theSelfTestRunsUnattendedAndCoversEachPath() throws IOException {
        String st = read("scripts/windows/selftest.ps1");
        for (String p : List.of("[ValidateSet('Simple', 'EspMsrRecovery')] [string] $Layout", "[ValidateSet('RecoveryPassword', 'StartupKey')] [string] $Protector",
                "[ValidateSet('Plain', 'UsbLayout')] [string] $DataDisk", "[switch] $ExpectManageBde")) {
            assertTrue(st.contains(p), "selftest.ps1 parameter " + p);
        }
        assertTrue(st.contains("-PassphraseFile $keyPass") && st.contains("\"$data\\keys.passphrase\""), "passphrase file on the data disk: nobody types");
        assertTrue(st.contains("Write-BootmedicLayout"), "the USB layout is new-usb.ps1's");
        assertTrue(st.contains("$script:SafeModeKitFiles"), "the safe-mode kit's files are checked");
        assertTrue(st.contains("-RecoveryKeyProtector -RecoveryKeyPath"), ".BEK (external key) unlock");
        assertTrue(st.contains("set id=\"de94bba4-06d1-4d40-a16a-bfd50179d6ac\"") && st.contains("gpt attributes=0x8000000000000001"), "letterless recovery partition");
        assertTrue(st.contains("using manage-bde"), "the manage-bde fallback is checked in the log");
        assertFalse(st.contains("Read-Host") || st.contains("ReadKey"), "nothing waits for a person");
    }
}
