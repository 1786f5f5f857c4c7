package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.fat.FatFile;
import io.bootmedic.fat.FatVolume;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;

import java.util.Optional;

/** An EFI system partition from a crashed machine: boot sector, FAT and directories opened, the BCD found and read. */
class FatFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void volume(byte[] data) {
        Hostile.parseOrRefuse(() -> {
            FatVolume v = FatVolume.open(new MemoryBlockDevice(data, 512, true));
            Optional<FatFile> f = v.find("EFI/Microsoft/Boot/BCD");
            if (f.isPresent()) {
                v.read(f.get(), 1 << 20);
            }
            v.find("EFI/Microsoft/Boot/A long file name.txt");
        });
    }
}
