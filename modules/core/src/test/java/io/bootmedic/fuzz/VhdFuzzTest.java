package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.vhd.VhdBlockDevice;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryImageFile;

/**
 * The VHD reader (footer and its copy, dynamic header, block table, blocks). Seeds
 * (VhdFuzzTestInputs): qemu-img's empty 1 MiB dynamic VHD, its 16 KiB fixed VHD, and the dynamic
 * one re-laid with 4 KiB blocks and one block allocated (qemu-io reads it back).
 */
class VhdFuzzTest {
    /** The bytes are the whole image file; the virtual disk is opened and read at its start and end. */
    @FuzzTest(maxDuration = "60s")
    void image(byte[] file) {
        Hostile.parseOrRefuse(() -> {
            BlockDevice d = VhdBlockDevice.open(new MemoryImageFile(file));
            d.read(0, (int) Math.min(d.size(), 64 * 1024));
            if (d.size() > 4096) {
                d.read(d.size() - 4096, 4096);
            }
        });
        // the same bytes opened for writing: the preflight and the guard, then writes; refused cleanly or written
        Hostile.parseOrRefuse(() -> {
            try (BlockDevice w = VhdBlockDevice.open(new io.bootmedic.testutil.GrowingMemoryDevice(file.clone()))) {
                for (long at : new long[] {0, w.size() / 2, w.size() - 512}) {
                    if (at >= 0 && at + 512 <= w.size()) {
                        w.write(at, java.nio.ByteBuffer.allocate(512));
                    }
                }
            }
        });
    }
}
