package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.store.ReportSummary;

/** The body of a report uploaded to the collector by an agent we do not control: accepted, or one InvalidReportException. */
class ReportReaderFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void report(byte[] body) {
        try {
            ReportSummary.parse(body);
        } catch (ReportSummary.InvalidReportException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message", e);
            }
        }
    }
}
