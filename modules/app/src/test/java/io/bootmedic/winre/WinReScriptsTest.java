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
        assertEquals(Set.of("--config", "--winre-state", "--winre-free-bytes", "--computer-name", "--trusted-key-dir", "--staged", "--winre-location"),
                used, "what reagentc and Get-Volume said, all of it");
    }

    @Test
    void bothStagersWriteTheSameHookThroughCmdExe() throws Exception {
        Matcher sh = Pattern.compile("LAUNCHER='([^']+)'").matcher(Files.readString(Path.of("scripts/winre/stage-wim.sh")));
        Matcher ps = Pattern.compile("\\$Launcher = '([^']+)'").matcher(Files.readString(Path.of("winpe/stage-winre.ps1")));
        assertTrue(sh.find() && ps.find());
        assertEquals(sh.group(1), ps.group(1));
        assertTrue(sh.group(1).startsWith("%SYSTEMDRIVE%\\Windows\\System32\\cmd.exe, /c "), "winpeshl starts programs; a .cmd needs cmd.exe: " + sh.group(1));
    }
}
