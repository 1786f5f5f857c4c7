package io.bootmedic.diagnosis;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.report.Diagnosis;
import io.bootmedic.report.ReportJson;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import io.bootmedic.util.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The diagnosis through the whole run, from the command line down to the report file, on the practice tree with
 * two minidumps (one damaged), a pending update and a dirty SYSTEM hive added: dry run and fix alike, read-only.
 */
class DiagnosisRunTest {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void tree() throws Exception {
        root = tmp.resolve("c");
        PracticeTree.create(root);
        Path minidump = Files.createDirectories(root.resolve("Windows/Minidump"));
        Files.write(minidump.resolve("071924-10234-01.dmp"), DumpWriter.kernel64(4, 0x50, CrashDumpReaderTest.PAGE_FAULT,
                CrashDumpReaderTest.WHEN, CrashDumpReaderTest.DRIVERS));
        Files.setLastModifiedTime(minidump.resolve("071924-10234-01.dmp"), FileTime.from(Instant.parse("2024-07-19T04:10:00Z")));
        Files.write(minidump.resolve("071924-10250-01.dmp"), new byte[4096]);
        Files.setLastModifiedTime(minidump.resolve("071924-10250-01.dmp"), FileTime.from(Instant.parse("2024-07-19T04:20:00Z")));
        Files.createDirectories(root.resolve("Windows/WinSxS"));
        Files.writeString(root.resolve("Windows/WinSxS/pending.xml"), PendingUpdatesTest.pendingXml(PendingUpdatesTest.ROLLUP));
        byte[] system = Files.readAllBytes(root.resolve("Windows/System32/config/SYSTEM"));
        ByteBuffer b = ByteBuffer.wrap(system).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, b.getInt(8) + 1); // Windows stopped between writing and confirming: no log here
        int sum = 0;
        for (int i = 0; i < 508; i += 4) {
            sum ^= b.getInt(i);
        }
        b.putInt(508, sum == 0 ? 1 : sum == -1 ? -2 : sum);
        Files.write(root.resolve("Windows/System32/config/SYSTEM"), system);
    }

    static final Diagnosis EXPECTED = new Diagnosis(List.of(
            new Diagnosis.CrashDump("Windows/Minidump/071924-10250-01.dmp", "unknown", null, null, null, List.of(), null,
                    "Windows/Minidump/071924-10250-01.dmp starts with zeros, not a dump header: Windows did not finish writing it"),
            new Diagnosis.CrashDump("Windows/Minidump/071924-10234-01.dmp", "triage", "2024-07-19T04:09:12Z", "0x00000050",
                    "PAGE_FAULT_IN_NONPAGED_AREA", List.of("0xffff840500000074", "0x0", "0xfffff80489a7e1e1", "0x2"), "csagent.sys", null)),
            new Diagnosis.PendingUpdates(true, List.of("Windows/WinSxS/pending.xml"), List.of(PendingUpdatesTest.ROLLUP),
                    "DISM /Image:<letter>:\\ /Cleanup-Image /RevertPendingActions"),
            List.of(new Diagnosis.HiveState("SYSTEM", true,
                            "no transaction log (SYSTEM.LOG1, .LOG2): Windows will load it as it is and its newest changes may be lost", null),
                    new Diagnosis.HiveState("SOFTWARE", false, null, null)));

    @Test
    void aDryRunReportsTheDiagnosisInTheJsonAndOnTheConsoleAndChangesNothing() throws IOException {
        Map<String, String> before = TreeSnapshot.of(root);
        Path reportFile = tmp.resolve("report.json");
        Cli scan = Cli.run("fix", "--dry-run", "--root", root.toString(), "--report", reportFile.toString());
        assertEquals(1, scan.exit, scan.toString());
        assertEquals(before, TreeSnapshot.of(root));

        Map<String, Object> report = ReportJson.read(Files.readAllBytes(reportFile));
        @SuppressWarnings("unchecked")
        Map<String, Object> volume = (Map<String, Object>) Json.list(report, "volumes").get(0);
        assertEquals(EXPECTED, ReportJson.diagnosis(volume));
        String json = Files.readString(reportFile).replaceAll("\\s", "");
        assertTrue(json.contains("\"diagnosis\":{\"crashDumps\":[{\"file\":\"Windows/Minidump/071924-10250-01.dmp\",\"kind\":\"unknown\",\"time\":null,"
                + "\"bugCheck\":null,\"bugCheckName\":null,\"parameters\":[],\"faultingModule\":null,\"error\":"), json);
        assertTrue(json.contains("\"pendingUpdates\":{\"pending\":true,\"evidence\":[\"Windows/WinSxS/pending.xml\"],\"packages\":[\""
                + PendingUpdatesTest.ROLLUP + "\"],\"revertCommand\":\"DISM/Image:<letter>:\\\\/Cleanup-Image/RevertPendingActions\"}"), json);
        assertTrue(json.contains("\"hives\":[{\"hive\":\"SYSTEM\",\"dirty\":true,\"logs\":\"notransactionlog"), json);

        assertTrue(scan.out.contains("  Diagnosis of c:\n"), scan.out);
        assertTrue(scan.out.contains("    2024-07-19T04:09:12Z  0x00000050 PAGE_FAULT_IN_NONPAGED_AREA in csagent.sys  "
                + "(Windows/Minidump/071924-10234-01.dmp)"), scan.out);
        assertTrue(scan.out.contains("    pending updates: Windows/WinSxS/pending.xml (1 package(s), e.g. " + PendingUpdatesTest.ROLLUP + ")\n"
                + "      to revert them, in WinPE: DISM /Image:<letter>:\\ /Cleanup-Image /RevertPendingActions"), scan.out);
        assertTrue(scan.out.contains("    hive SYSTEM is dirty: no transaction log"), scan.out);
    }

    @Test
    void aFixReportsTheVolumeAsItWasFoundAndAFailedPartIsANoteNotAFailure() throws IOException {
        // a Minidump folder that is a link elsewhere: its dumps are not read, the rest is, and the run still fixes
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.move(root.resolve("Windows/Minidump"), elsewhere.resolve("Minidump"));
        Files.createSymbolicLink(root.resolve("Windows/Minidump"), elsewhere.resolve("Minidump"));
        Files.write(root.resolve("Windows/MEMORY.DMP"), DumpWriter.kernel64(1, 0x7B, new long[]{0xffffb00f1c2f7a48L, 0xffffffffc0000034L, 0, 0},
                CrashDumpReaderTest.WHEN, List.of()));
        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--root", root.toString(), "--report", reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        Map<String, Object> report = ReportJson.read(Files.readAllBytes(reportFile));
        assertEquals("fixed", report.get("outcome"));
        @SuppressWarnings("unchecked")
        Map<String, Object> volume = (Map<String, Object>) Json.list(report, "volumes").get(0);
        Diagnosis d = ReportJson.diagnosis(volume);
        assertEquals(List.of(new Diagnosis.CrashDump("Windows/MEMORY.DMP", "kernel-full", "2024-07-19T04:09:12Z", "0x0000007B",
                "INACCESSIBLE_BOOT_DEVICE", List.of("0xffffb00f1c2f7a48", "0xffffffffc0000034", "0x0", "0x0"), null, null)), d.crashDumps());
        assertEquals(EXPECTED.pendingUpdates(), d.pendingUpdates());
        assertEquals(EXPECTED.hives(), d.hives());
        assertTrue(Json.list(volume, "notes").stream().anyMatch(n -> ((String) n).startsWith("crash dumps in Windows\\Minidump not read: refusing to follow 'Windows/Minidump'")),
                volume.toString());
    }

    @Test
    void aReportWithoutDiagnosisReadsBackAsNone() throws IOException {
        assertNull(ReportJson.diagnosis(Map.of("volumeId", "x")));
    }
}
