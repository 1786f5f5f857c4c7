package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.diagnosis.CrashDumpReader;
import io.bootmedic.diagnosis.DumpBytes;
import io.bootmedic.testutil.Hostile;

/**
 * A file in Windows\Minidump of a machine we do not control: read (header, triage driver list, minidump streams) or
 * refused with one DumpFormatException. The seeds ({@code CrashDumpFuzzTestInputs/dump/}) are synthetic dumps written
 * by the tests' DumpWriter (a 64-bit and a 32-bit triage dump, a user-mode minidump), checked by CrashDumpSeedsTest.
 */
class CrashDumpFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void dump(byte[] file) {
        Hostile.parseOrRefuse(() -> CrashDumpReader.read(DumpBytes.of(file, "fuzzed.dmp")));
    }
}
