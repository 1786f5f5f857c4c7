package io.bootmedic.diagnosis;

import io.bootmedic.report.Diagnosis;
import io.bootmedic.report.Report;
import io.bootmedic.report.ReportJson;
import io.bootmedic.report.RunMode;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.report.VolumeOutcome;
import io.bootmedic.util.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The diagnosis survives the report's JSON both ways, nulls included; a volume without one has no field. */
class ReportJsonDiagnosisTest {
    static Report report(Diagnosis d) {
        Report.VolumeReport v = new Report.VolumeReport("vol", "C:", "NTFS", Report.BitLocker.NONE, Report.Windows.UNKNOWN, "n/a", List.of(),
                VolumeOutcome.CLEAN, null, List.of(), d);
        return new Report(Report.SCHEMA, "run-00000001", "dev", "2024-07-19T05:00:00Z", "2024-07-19T05:00:01Z", RunMode.MOUNTED_ROOT, "scan",
                new Report.PlaybookRef("p", "built-in"), Report.Host.UNKNOWN, RunOutcome.CLEAN, List.of(v));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> volume(Report r) throws IOException {
        return (Map<String, Object>) Json.list(ReportJson.read(ReportJson.toBytes(r)), "volumes").get(0);
    }

    @Test
    void roundTrips() throws IOException {
        Diagnosis d = new Diagnosis(List.of(new Diagnosis.CrashDump("Windows/MEMORY.DMP", "kernel-bitmap", null, "0x0000007B", "INACCESSIBLE_BOOT_DEVICE",
                        List.of("0xffffb00f1c2f7a48", "0xffffffffc0000034", "0x0", "0x0"), null, null)), null,
                List.of(new Diagnosis.HiveState("SYSTEM", null, null, "Windows/System32/config/SYSTEM is not on this volume"),
                        new Diagnosis.HiveState("SOFTWARE", true, "replays cleanly: 3 entries from SOFTWARE.LOG2", null)));
        Map<String, Object> v = volume(report(d));
        assertEquals(d, ReportJson.diagnosis(v));
        assertEquals(List.of("crashDumps", "pendingUpdates", "hives"), List.copyOf(((Map<?, ?>) v.get("diagnosis")).keySet()));
        Diagnosis pending = new Diagnosis(List.of(), new Diagnosis.PendingUpdates(true, List.of("Windows/WinSxS/pending.xml"), List.of(),
                PendingUpdates.revertCommand("C")), List.of());
        assertEquals(pending, ReportJson.diagnosis(volume(report(pending))));
    }

    @Test
    void aVolumeWithoutDiagnosisHasNoFieldAndAWrongTypeIsRefused() throws IOException {
        Map<String, Object> v = volume(report(null));
        assertFalse(v.containsKey("diagnosis"));
        assertNull(ReportJson.diagnosis(v));
        assertEquals("diagnosis.crashDumps must be a list",
                assertThrows(IOException.class, () -> ReportJson.diagnosis(Map.of("diagnosis", Map.of("crashDumps", "x")))).getMessage());
    }
}
