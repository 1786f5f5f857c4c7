package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.http.StrictJson;
import io.bootmedic.collector.store.ReportSummary;
import io.bootmedic.testutil.Hostile;

/** What an agent uploads to the collector: the strict body check, then the report v1 reader. */
class ReportBodyFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void report(byte[] body) {
        Hostile.parseOrRefuse(() -> {
            StrictJson.check(body);
            ReportSummary.parse(body);
        });
    }
}
