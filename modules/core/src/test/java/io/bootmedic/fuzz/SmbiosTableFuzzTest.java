package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.platform.SmbiosTable;
import io.bootmedic.testutil.Hostile;

class SmbiosTableFuzzTest {
    /** The bytes are what GetSystemFirmwareTable('RSMB') returned: a RawSMBIOSData header and the structures. */
    @FuzzTest(maxDuration = "60s")
    void rawTable(byte[] raw) {
        Hostile.parseOrRefuse(() -> SmbiosTable.parse(raw));
    }
}
