package io.bootmedic.collector.store;

import io.bootmedic.testutil.Hostile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The crash facts the collector takes from a report's diagnosis: normalized, bounded, and never a reason to refuse the report. */
class ReportDiagnosisTest {
    static final String RUN = "0f4e2c1a-8d3b-4b7e-9a61-3c2d5e7f9a10";

    static ReportSummary parse(Map<String, Object> diagnosis) throws Exception {
        return ReportSummary.parse(Diagnoses.bytes(Diagnoses.report(RUN, "PC-1", "SN1", "2024-07-19T05:00:00Z", diagnosis)));
    }

    @Test
    void aTriageDumpAndPendingUpdatesAreKeptNormalized() throws Exception {
        Map<String, Object> d = Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/071924-10234-01.dmp", "2024-07-19T04:09:12Z", "0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA", "CSAgent.sys"),
                Diagnoses.dump("Windows\\MEMORY.DMP", null, "0x7e", null, "\\SystemRoot\\System32\\drivers\\badflt.sys")),
                Diagnoses.pending("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.3880.1.7"));
        ReportDiagnosis diag = parse(d).diagnosis();
        assertEquals(List.of(
                new ReportDiagnosis.Crash("Windows/Minidump/071924-10234-01.dmp", 1_721_362_152_000L, "0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA",
                        "csagent.sys", "triage"),
                new ReportDiagnosis.Crash("Windows/MEMORY.DMP", 0, "0x0000007E", null, "badflt.sys", "triage")), diag.crashes());
        assertEquals(Boolean.TRUE, diag.pending());
        assertEquals(List.of("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.3880.1.7"), diag.packages());
        assertEquals(List.of("Windows/WinSxS/pending.xml"), diag.evidence());
        assertEquals("DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions", diag.revertCommand());
        assertEquals(0, diag.dropped());
    }

    @Test
    void aReportWithoutDiagnosisIsAcceptedAsBefore() throws Exception {
        ReportSummary r = parse(null);
        assertSame(ReportDiagnosis.NONE, r.diagnosis());
        assertEquals("clean", r.outcome());
        assertEquals(Boolean.FALSE, parse(Diagnoses.diagnosis(List.of(), Diagnoses.noPending())).diagnosis().pending());
    }

    @Test
    void hostileValuesAreLeftOutAndTheReportIsStillAccepted() throws Exception {
        String huge = "A".repeat(10 << 20);
        List<Map<String, Object>> dumps = new ArrayList<>();
        dumps.add(Diagnoses.dump("Windows/Minidump/a.dmp", "2024-07-19T04:00:00Z", "0x50", "<img src=x onerror=alert(1)>", "<script>alert(1)</script>.sys"));
        dumps.add(Diagnoses.dump("Windows/Minidump/b.dmp", "not a time", "PAGE_FAULT", null, "ok.sys"));      // not hex: dropped
        dumps.add(Diagnoses.dump("Windows/Minidump/c.dmp", null, "0x100000000", null, null));                 // over 32 bits: dropped
        dumps.add(Diagnoses.dump("Windows/Minidump/d.dmp", null, "0x" + huge, null, null));                   // 10 MB: dropped
        dumps.add(Diagnoses.dump(huge + ".dmp", null, "0x50", null, null));                                   // path too long: dropped
        dumps.add(Diagnoses.dump("../../etc/passwd.dmp", null, "0x50", null, null));                          // climbs out: dropped
        dumps.add(Diagnoses.dump("Windows/Minidump/e.txt", null, "0x50", null, null));                        // not a dump: dropped
        dumps.add(Diagnoses.dump("Windows/Minidump/f.dmp", "1601-01-01T00:00:00Z", "0x1e", huge, huge));       // kept, without the huge fields
        dumps.add(Diagnoses.dump("Windows/Minidump/g.dmp", null, "0xef", "CRITICAL_PROCESS_DIED", "bad\u0000.sys"));
        Map<String, Object> pending = Diagnoses.pending("Package_for_KB1<script>", "Package_for_KB5040442~31bf3856ad364e35~amd64~~22621.3880.1.7", huge);
        pending.put("revertCommand", "DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions & format d: /q");
        dumps.add(null);
        dumps.add(Map.of("file", 7));
        Map<String, Object> d = Diagnoses.diagnosis(dumps, pending);

        long start = System.nanoTime();
        ReportSummary r = parse(d);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "a report of 10 MB strings is read in well under 5 s");
        ReportDiagnosis diag = r.diagnosis();
        assertEquals(List.of(
                new ReportDiagnosis.Crash("Windows/Minidump/a.dmp", 1_721_361_600_000L, "0x00000050", null, null, "triage"),
                new ReportDiagnosis.Crash("Windows/Minidump/f.dmp", 0, "0x0000001E", null, null, "triage"),
                new ReportDiagnosis.Crash("Windows/Minidump/g.dmp", 0, "0x000000EF", "CRITICAL_PROCESS_DIED", null, "triage")), diag.crashes());
        assertEquals(List.of("Package_for_KB5040442~31bf3856ad364e35~amd64~~22621.3880.1.7"), diag.packages());
        assertNull(diag.revertCommand(), "only the one documented DISM command is kept, never what an agent appended to it");
        assertEquals(6 + 2 + 2, diag.dropped(), "dumps (6 bad entries, 2 not objects) and packages (2) left out: " + diag);
    }

    @Test
    void fieldsOfTheWrongTypeAreIgnored() throws Exception {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("crashDumps", "all of them");
        d.put("pendingUpdates", Map.of("pending", "yes"));
        assertSame(ReportDiagnosis.NONE, parse(d).diagnosis());
        Map<String, Object> report = Diagnoses.report(RUN, "PC-1", "SN1", "2024-07-19T05:00:00Z", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> volume = ((List<Map<String, Object>>) report.get("volumes")).get(0);
        volume.put("diagnosis", List.of(1, 2));
        assertSame(ReportDiagnosis.NONE, ReportSummary.parse(Diagnoses.bytes(report)).diagnosis());
    }

    @Test
    void oneReportYieldsAtMost32CrashesTheNewestAndAMillionEntriesCostNoMore() throws Exception {
        List<Map<String, Object>> dumps = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            dumps.add(Diagnoses.dump(String.format("Windows/Minidump/%03d.dmp", i), String.format("2024-07-19T%02d:%02d:00Z", i / 60, i % 60), "0x50",
                    null, "x.sys"));
        }
        ReportDiagnosis diag = parse(Diagnoses.diagnosis(dumps, null)).diagnosis();
        assertEquals(ReportDiagnosis.MAX_CRASHES, diag.crashes().size());
        assertEquals("Windows/Minidump/099.dmp", diag.crashes().get(0).file(), "newest first");
        assertEquals("Windows/Minidump/068.dmp", diag.crashes().get(31).file());
        assertEquals(68, diag.dropped());

        List<Map<String, Object>> many = new ArrayList<>();
        Map<String, Object> one = Diagnoses.dump("Windows/Minidump/same.dmp", null, "0x50", null, null);
        for (int i = 0; i < 1_000_000; i++) {
            many.add(one);
        }
        ReportDiagnosis flood = ReportDiagnosis.of(List.of(Map.of("diagnosis", Diagnoses.diagnosis(many, null))));
        assertEquals(1, flood.crashes().size(), "the same dump many times is one crash");
        assertEquals(1_000_000 - 1, flood.dropped(), "only " + ReportDiagnosis.MAX_SCANNED + " entries were looked at; the rest counted as left out");
    }

    @Test
    void bugCheckCodesAreNormalizedOrRefused() {
        assertEquals("0x00000050", ReportDiagnosis.bugCheck("0x50"));
        assertEquals("0xC000021A", ReportDiagnosis.bugCheck("0xc000021a"));
        assertEquals("0x0000007B", ReportDiagnosis.bugCheck("0X000000000000007b"));
        assertEquals("0xFFFFFFFF", ReportDiagnosis.bugCheck("0xFFFFFFFF"));
        for (String bad : new String[]{"0x", "50", "0x1FFFFFFFF", "0x5O", "0x50 ; DROP TABLE crashes", "-0x50", "0x+50", "", " "}) {
            assertNull(ReportDiagnosis.bugCheck(bad), bad);
        }
        assertNull(ReportDiagnosis.bugCheck(80));
        assertEquals("csagent.sys", ReportDiagnosis.module(" C:\\Windows\\System32\\drivers\\CSAgent.sys "));
        for (String bad : new String[]{"", "a b.sys", "x\".sys", "a<b>.sys", "\u202Egnp.sys", "é.sys", "x".repeat(129)}) {
            assertNull(ReportDiagnosis.module(bad), bad);
        }
    }

    /**
     * Every byte of a realistic report with a diagnosis, replaced by a few values: the reader accepts
     * or refuses with its own exception, never anything else, and what it keeps stays within bounds.
     */
    @Test
    void everyByteOfARealisticReportMutated() throws Exception {
        byte[] body = Diagnoses.bytes(Diagnoses.report(RUN, "PC-1", "SN1", "2024-07-19T05:00:00Z", Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/071924-10234-01.dmp", "2024-07-19T04:09:12Z", "0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA", "csagent.sys"),
                Diagnoses.dump("Windows/MEMORY.DMP", null, "0x0000007E", "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED", null)),
                Diagnoses.pending("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.3880.1.7"))));
        int accepted = 0;
        for (int i = 0; i < body.length; i++) {
            for (byte b : new byte[]{0, '"', '<', '9', 'x', (byte) 0xC3, '\\', '{'}) {
                byte[] m = body.clone();
                m[i] = b;
                ReportSummary[] out = new ReportSummary[1];
                Hostile.parseOrRefuse(() -> out[0] = ReportSummary.parse(m));
                if (out[0] != null) {
                    accepted++;
                    bounded(out[0].diagnosis());
                }
            }
        }
        assertTrue(accepted > body.length, accepted + " mutants accepted: most single-byte changes inside strings still parse");
    }

    static void bounded(ReportDiagnosis d) {
        assertTrue(d.crashes().size() <= ReportDiagnosis.MAX_CRASHES);
        for (ReportDiagnosis.Crash c : d.crashes()) {
            assertTrue(c.file().length() <= ReportDiagnosis.MAX_PATH && c.file().matches("[A-Za-z0-9._~+$#() /-]+"), c.toString());
            assertTrue(c.bugCheck().matches("0x[0-9A-F]{8}"), c.toString());
            assertTrue(c.bugCheckName() == null || c.bugCheckName().matches("[A-Z0-9_]{1,64}"), c.toString());
            assertTrue(c.faultingModule() == null || c.faultingModule().matches("[a-z0-9._~+$#()-]{1,128}"), c.toString());
        }
        d.packages().forEach(p -> assertTrue(p.length() <= 200 && !p.contains("<"), p));
        assertTrue(d.revertCommand() == null || d.revertCommand().matches("DISM /Image:[A-Z]:\\\\ /Cleanup-Image /RevertPendingActions"), d.revertCommand());
    }
}
