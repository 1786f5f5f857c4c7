package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.fs.RelPath;
import io.bootmedic.remediation.Journal;
import io.bootmedic.remediation.JournalEntry;
import io.bootmedic.remediation.JournalReader;
import io.bootmedic.remediation.Quarantiner;
import io.bootmedic.testutil.Hostile;

/** A journal found on a volume: refused, or every path in it stays on the volume and is the one bootmedic derives. */
class JournalFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void journal(byte[] data) {
        Hostile.parseOrRefuse(() -> {
            Journal j = JournalReader.read(data, "fuzz.json");
            if (j == null) {
                return;
            }
            if (!JournalReader.isRunId(j.runId())) {
                throw new AssertionError("accepted run ID " + j.runId());
            }
            for (JournalEntry e : j.entries()) {
                RelPath path = RelPath.of(e.path());
                if (!Quarantiner.quarantinePathFor(j.runId(), path).equals(RelPath.of(e.quarantinePath()))) {
                    throw new AssertionError("accepted quarantine path " + e.quarantinePath());
                }
            }
        });
    }
}
