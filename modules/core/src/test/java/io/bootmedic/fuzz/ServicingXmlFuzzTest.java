package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.diagnosis.PendingUpdates;

import java.io.ByteArrayInputStream;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A pending.xml or Sessions.xml from a machine we do not control, read by bootmedic's own small XML scanner: it
 * returns, at most with one line naming the file, and never collects more packages than its limit. Nothing is
 * thrown. The seeds ({@code ServicingXmlFuzzTestInputs/servicing/}) are synthetic files in the shapes
 * PendingUpdatesTest writes; the first byte chooses which of the two files the rest is read as.
 */
class ServicingXmlFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void servicing(FuzzedDataProvider in) {
        boolean sessions = in.consumeBoolean();
        Set<String> packages = new LinkedHashSet<>();
        String note = PendingUpdates.packagesIn(new ByteArrayInputStream(in.consumeRemainingAsBytes()), "f.xml", sessions, packages);
        if (note != null && (!note.startsWith("f.xml ") || note.contains("\n"))) {
            throw new AssertionError("not one line naming the file: " + note);
        }
        if (packages.size() > 64) {
            throw new AssertionError(packages.size() + " packages");
        }
    }
}
