package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.http.StrictJson;
import io.bootmedic.collector.store.ReportDiagnosis;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.util.Json;

import java.util.List;
import java.util.Map;

/**
 * The {@code diagnosis} of a report volume as an agent we do not control sends it, without the
 * report around it: whatever passes the strict body check is read without an exception, and what
 * the collector keeps stays within its bounds (docs/fleet-crashes.md).
 */
class ReportDiagnosisFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void diagnosis(byte[] body) {
        Hostile.parseOrRefuse(() -> {
            StrictJson.check(body);
            Object diagnosis;
            try {
                diagnosis = Json.readAny(body);
            } catch (java.io.IOException e) {
                return; // a duplicate key, say: ReportSummary refuses such a body as a whole (its own fuzz target covers that)
            }
            ReportDiagnosis d = ReportDiagnosis.of(List.of(Map.of("diagnosis", diagnosis), Map.of("diagnosis", diagnosis)));
            bounded(d);
        });
    }

    private static void bounded(ReportDiagnosis d) {
        if (d.crashes().size() > ReportDiagnosis.MAX_CRASHES || d.packages().size() > ReportDiagnosis.MAX_PACKAGES
                || d.evidence().size() > ReportDiagnosis.MAX_EVIDENCE) {
            throw new AssertionError("more kept than the caps allow: " + d);
        }
        for (ReportDiagnosis.Crash c : d.crashes()) {
            if (!c.bugCheck().matches("0x[0-9A-F]{8}") || c.file().length() > ReportDiagnosis.MAX_PATH || c.time() < 0
                    || c.faultingModule() != null && !c.faultingModule().matches("[a-z0-9._~+$#()-]{1,128}")
                    || c.bugCheckName() != null && !c.bugCheckName().matches("[A-Z0-9_]{1,64}")) {
                throw new AssertionError("a crash kept out of bounds: " + c);
            }
        }
        for (String s : d.packages()) {
            if (s.length() > 200 || s.indexOf('<') >= 0) {
                throw new AssertionError("a package kept out of bounds: " + s);
            }
        }
    }
}
