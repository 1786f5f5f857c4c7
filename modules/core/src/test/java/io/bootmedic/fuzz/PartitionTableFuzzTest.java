package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.image.partition.PartitionTable;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;

/**
 * Seeds (PartitionTableFuzzTestInputs): a 64 KiB GPT disk made by sgdisk, a 64 KiB MBR disk with
 * two logical partitions made by sfdisk (and its first 4 KiB), and a 128 KiB GPT disk sgdisk laid
 * out on a loop device with 4096-byte sectors.
 */
class PartitionTableFuzzTest {
    /** The bytes are a whole (small) disk: MBR, GPT headers and entry arrays wherever they point. */
    @FuzzTest(maxDuration = "60s")
    void disk(byte[] disk) {
        Hostile.parseOrRefuse(() -> PartitionTable.read(new MemoryBlockDevice(disk)));
    }

    /** The same, on a device that says its logical sectors are 4096 bytes (a 4K-native disk). */
    @FuzzTest(maxDuration = "60s")
    void disk4k(byte[] disk) {
        Hostile.parseOrRefuse(() -> PartitionTable.read(new MemoryBlockDevice(disk, 4096, true)));
    }
}
