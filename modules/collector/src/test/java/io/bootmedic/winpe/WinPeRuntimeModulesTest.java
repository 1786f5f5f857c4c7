package io.bootmedic.winpe;

import io.bootmedic.collector.TestCollector;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The boot image carries a runtime jlinked with only the modules winpe/lib/common.ps1 names.
 * The agent's whole path must run on it: repair, report, TLS with a pinned P-256 certificate to
 * the collector. Built here with the same module list and used for a real fix.
 */
class WinPeRuntimeModulesTest {
    @TempDir
    Path tmp;

    @Test
    void theAgentFixesAndReportsToTheCollectorOnTheWinPeModuleSet() throws Exception {
        String common = Files.readString(Path.of("winpe/lib/common.ps1"));
        Matcher m = Pattern.compile("\\$script:JavaModules = '([^']+)'").matcher(common);
        assertTrue(m.find(), "winpe/lib/common.ps1 names the runtime's modules");
        Matcher before22 = Pattern.compile("\\$script:JavaModulesBefore22 = '([^']+)'").matcher(common);
        assertTrue(before22.find(), "winpe/lib/common.ps1 names the modules only JDKs before 22 need");
        // the same choices Get-JlinkArguments makes for this JDK
        int major = Runtime.version().feature();
        String modules = m.group(1) + (major < 22 ? "," + before22.group(1) : "");
        String compress = major >= 21 ? "--compress=zip-6" : "--compress=2";
        Path runtime = tmp.resolve("jre");
        Tools.ok(Path.of(System.getProperty("java.home"), "bin", "jlink").toString(), "--add-modules", modules, "--strip-debug",
                "--no-man-pages", "--no-header-files", compress, "--output", runtime.toString());
        Path drive = tmp.resolve("c");
        assertEquals(0, Cli.run("practice-tree", drive.toString()).exit);
        try (TestCollector collector = TestCollector.start(tmp.resolve("collector"), null, 60)) {
            Path conf = tmp.resolve("agent.conf");
            Files.writeString(conf, collector.agentConfig().text());
            Tools.Result fix = Tools.run(List.of(runtime.resolve("bin/java").toString(), "-cp", System.getProperty("java.class.path"),
                    "io.bootmedic.cli.Main", "fix", "--root", drive.toString(), "--config", conf.toString()));
            assertEquals(0, fix.exit(), fix.out());
            assertTrue(fix.out().contains("sent to the collector"), fix.out());
            Map<String, Object> machines = collector.request("GET", "/api/v1/machines?outcome=fixed", collector.created.adminToken(), null).json();
            assertEquals(1, ((Number) machines.get("total")).intValue());
        }
    }
}
