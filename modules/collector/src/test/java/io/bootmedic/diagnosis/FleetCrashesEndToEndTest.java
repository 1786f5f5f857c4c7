package io.bootmedic.diagnosis;

import io.bootmedic.collector.TestCollector;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first hour of the next incident, end to end: the agent reads a machine's crash dump and pending update (its own
 * reader, on the disk), sends the report, and the collector's "what is crashing the fleet" answer names the bug check,
 * the faulting driver and the machine with updates pending. The agent's JSON and the collector's parser meet here.
 */
class FleetCrashesEndToEndTest {
    @TempDir
    Path tmp;
    TestCollector collector;

    @AfterEach
    void stop() {
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void aDumpOnOneMachineIsOnTheCollectorsCrashPage() throws Exception {
        collector = TestCollector.start(tmp.resolve("collector"), null, 120);
        Path conf = Files.writeString(tmp.resolve("agent.conf"), collector.agentConfig().text());
        Path root = tmp.resolve("c");
        PracticeTree.create(root);
        Path minidump = Files.createDirectories(root.resolve("Windows/Minidump"));
        Instant crashed = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Files.write(minidump.resolve("120726-10234-01.dmp"), DumpWriter.kernel64(4, 0x50, CrashDumpReaderTest.PAGE_FAULT, crashed,
                CrashDumpReaderTest.DRIVERS));
        Files.createDirectories(root.resolve("Windows/WinSxS"));
        Files.writeString(root.resolve("Windows/WinSxS/pending.xml"), PendingUpdatesTest.pendingXml(PendingUpdatesTest.ROLLUP));

        // the run quarantines the practice channel file too; its report, diagnosis included, goes to the collector
        Cli fix = Cli.run("fix", "--root", root.toString(), "--config", conf.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("Diagnosis of"), fix.toString());

        TestCollector.Response r = collector.request("GET", "/api/v1/crashes?hours=24", collector.created.adminToken(), null);
        assertEquals(200, r.status(), r.body());
        Map<String, Object> api = r.json();
        assertEquals(1, ((Number) api.get("machines")).intValue(), r.body() + "\n" + fix);
        Map<?, ?> code = (Map<?, ?>) ((List<?>) api.get("bugChecks")).get(0);
        assertEquals("0x00000050", code.get("bugCheck"));
        assertEquals("csagent.sys", ((Map<?, ?>) ((List<?>) api.get("faultingModules")).get(0)).get("faultingModule"));
        Map<?, ?> pending = (Map<?, ?>) api.get("pendingUpdates");
        assertEquals(1, ((Number) pending.get("total")).intValue(), r.body());
        assertEquals(PracticeTree.COMPUTER_NAME, ((Map<?, ?>) ((List<?>) pending.get("machines")).get(0)).get("computerName"));
    }
}
