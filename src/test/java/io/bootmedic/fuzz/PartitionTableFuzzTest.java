package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.image.PartitionTable;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;

class PartitionTableFuzzTest {
    /** The bytes are a whole (small) disk: MBR, GPT headers and entry arrays wherever they point. */
    @FuzzTest(maxDuration = "60s")
    void disk(byte[] disk) {
        Hostile.parseOrRefuse(() -> PartitionTable.read(new MemoryBlockDevice(disk)));
    }
}
