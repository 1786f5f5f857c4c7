package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.registry.HiveWalk;
import io.bootmedic.testutil.Hostile;

/** A registry hive from a crashed machine: opened and walked (keys, values, their data) within a budget. */
class HiveFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void hive(byte[] data) {
        Hostile.parseOrRefuse(() -> HiveWalk.walk(data, 200));
    }
}
