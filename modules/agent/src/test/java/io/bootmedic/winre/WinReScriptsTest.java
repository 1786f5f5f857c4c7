package io.bootmedic.winre;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WinRE scripts against the real command line: every option they pass exists, and the two stagers write the same hook. */
class WinReScriptsTest {
    static Set<String> options(String... command) {
        StringWriter help = new StringWriter();
        io.bootmedic.cli.Main.run(command, new PrintWriter(help), new PrintWriter(new StringWriter()));
        Set<String> found = new TreeSet<>();
        Matcher o = Pattern.compile("--[a-z][a-z-]+").matcher(help.toString());
        while (o.find()) {
            found.add(o.group());
        }
        return found;
    }

    static Set<String> passed(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z-]+").matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    @Test
    void theLauncherPassesOnlyOptionsFixHasAndNeverWaitsForAPerson() throws Exception {
        String cmd = Files.readString(Path.of("scripts/winre/bootmedic-winre.cmd"));
        // a JVM option, not one of fix's: JNA's native calls without the JDK's warning (and, later, its refusal)
        assertTrue(cmd.contains("java.exe\" --enable-native-access=ALL-UNNAMED "), cmd);
        Set<String> fix = options("fix", "--help");
        for (String o : passed(cmd.replace("--enable-native-access=ALL-UNNAMED", ""))) {
            assertTrue(fix.contains(o), "bootmedic-winre.cmd passes " + o + ", which 'bootmedic fix' does not have");
        }
        assertTrue(cmd.contains("fix --all --winre") && cmd.contains("--wait-network") && cmd.contains("--collector-playbooks"), cmd);
        assertFalse(cmd.contains("--prompt") || cmd.contains("--key-bundle") || cmd.contains("pause"), "nothing in WinRE waits for a person or trusts a bundle on the disk");
        assertTrue(cmd.strip().endsWith("exit /b 0"), "winpeshl must go on to recenv.exe whatever happened");
    }

    @Test
    void stageWinrePassesOnlyOptionsReadinessHas() throws Exception {
        String ps = Files.readString(Path.of("winpe/stage-winre.ps1"));
        Set<String> readiness = options("readiness", "--help");
        int start = ps.indexOf("function Send-Readiness");
        String fn = ps.substring(start, ps.indexOf("\nfunction ", start));
        Set<String> used = passed(fn);
        for (String o : used) {
            assertTrue(readiness.contains(o), "stage-winre.ps1 passes " + o + ", which 'bootmedic readiness' does not have");
        }
        assertEquals(Set.of("--config", "--winre-state", "--winre-free-bytes", "--computer-name", "--trusted-key-dir", "--staged", "--refused-no-room",
                "--winre-location"), used, "what reagentc and Get-Volume said, all of it, and a refusal for room");
    }

    @Test
    void bothStagersWriteTheSameHookThroughCmdExe() throws Exception {
        Matcher sh = Pattern.compile("LAUNCHER='([^']+)'").matcher(Files.readString(Path.of("scripts/winre/stage-wim.sh")));
        Matcher ps = Pattern.compile("\\$Launcher = '([^']+)'").matcher(Files.readString(Path.of("winpe/stage-winre.ps1")));
        assertTrue(sh.find() && ps.find());
        assertEquals(sh.group(1), ps.group(1));
        assertTrue(sh.group(1).startsWith("%SYSTEMDRIVE%\\Windows\\System32\\cmd.exe, /c "), "winpeshl starts programs; a .cmd needs cmd.exe: " + sh.group(1));
    }

    static String read(String f) throws Exception {
        return Files.readString(Path.of(f));
    }

    static String function(String ps, String name) {
        int start = ps.indexOf("function " + name);
        assertTrue(start >= 0, name);
        int end = ps.indexOf("\nfunction ", start + 1);
        return ps.substring(start, end < 0 ? ps.length() : end);
    }

    @Test
    void bothStagersWriteTheSameMarkerAndFindAnOldHookByItsLauncherLine() throws Exception {
        String sh = read("scripts/winre/stage-wim.sh");
        String ps = read("winpe/stage-winre.ps1");
        Matcher shMark = Pattern.compile("HOOK_MARK=\"([^\"]+)\"").matcher(sh);
        Matcher psMark = Pattern.compile("\\$HookMark = '([^']+)'").matcher(ps);
        assertTrue(shMark.find() && psMark.find());
        assertEquals(shMark.group(1), psMark.group(1));
        // stage-wim.sh's rules are the tested ones (StageWimTest); the PowerShell copy looks for the same launcher line
        assertTrue(sh.contains("index(tolower($0), \"\\\\bootmedic\\\\bootmedic-winre.cmd\")"), "stage-wim.sh finds an old hook by its launcher line");
        assertTrue(ps.contains("$LauncherPattern = '\\\\bootmedic\\\\bootmedic-winre\\.cmd'"), "so does stage-winre.ps1");
        assertTrue(function(ps, "Get-HookedWinpeshl").contains("@($HookMark, '[LaunchApps]', $Launcher)"), "the marker above the section, then our launcher");
    }

    @Test
    void bothStagersRequireJnaOfTheRightArchitectureAndTheLaunchersUseIt() throws Exception {
        String ps = read("winpe/stage-winre.ps1");
        String payload = function(ps, "Test-Payload");
        assertTrue(payload.contains("'native\\jnidispatch.dll'") && payload.contains("Get-MachineArchitecture"), payload);
        assertTrue(read("scripts/winre/stage-wim.sh").contains("[ -f \"$payload/native/jnidispatch.dll\" ] ||"));
        assertTrue(function(ps, "Get-AgentCommand").contains("'--enable-native-access=ALL-UNNAMED'"));
        String winre = read("scripts/winre/bootmedic-winre.cmd");
        assertTrue(winre.contains("if not exist \"%BM%\\native\\jnidispatch.dll\" goto done"), winre);
        String agent = read("agent/bootmedic.cmd");
        assertTrue(agent.contains("%HERE%runtime\\bin\\java.exe") && agent.contains("%HERE%native") && agent.contains("--enable-native-access=ALL-UNNAMED"), agent);
        assertFalse(agent.contains("%HERE%jre") || agent.contains("%HERE%jna"), "nothing builds jre\\ or jna\\");
    }

    @Test
    void theLauncherStartsOnlyTheNetworkAndLogsBitLockerBeforeJava() throws Exception {
        String cmd = read("scripts/winre/bootmedic-winre.cmd");
        assertTrue(cmd.contains("wpeutil InitializeNetwork"), cmd);
        assertFalse(cmd.lines().anyMatch(l -> !l.startsWith("rem ") && l.contains("wpeinit")), "no PnP or answer files in a WinRE BitLocker trusts");
        int bde = cmd.indexOf("manage-bde -status");
        assertTrue(bde > 0 && bde < cmd.indexOf("java.exe\" --enable-native-access"), "BitLocker's state is logged before Java starts");
    }

    @Test
    void stageWinreRunsAs64BitKeepsNoOldImageAndJavasStderrDoesNotStopIt() throws Exception {
        String ps = read("winpe/stage-winre.ps1");
        assertTrue(ps.contains("-not [Environment]::Is64BitProcess") && ps.contains("'sysnative\\WindowsPowerShell\\v1.0\\powershell.exe'"), "re-launched from a 32-bit host");
        assertTrue(function(ps, "Invoke-Agent").contains("$ErrorActionPreference = 'Continue'"), "stderr from Java must not throw under 'Stop'");
        assertTrue(function(ps, "Send-Readiness").contains("Invoke-Agent"));
        assertFalse(ps.contains("Copy-Item -LiteralPath $SystemWim"), "no copy of WinRE's image is kept outside the run");
        assertTrue(function(ps, "Remove-File").contains("[IO.File]::SetAttributes($Path, [IO.FileAttributes]::Normal)"), "hidden+system copies are deleted");
        String tree = function(ps, "Test-WorkTree");
        assertTrue(tree.contains("$SystemSid") && tree.contains("$AdminsSid") && ps.contains("$SystemSid = 'S-1-5-18'") && ps.contains("$AdminsSid = 'S-1-5-32-544'"), "owners by well-known SID");
    }
}
