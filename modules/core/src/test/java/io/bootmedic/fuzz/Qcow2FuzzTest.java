package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.image.qcow2.Qcow2BlockDevice;
import io.bootmedic.testutil.GrowingMemoryDevice;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;

import java.nio.ByteBuffer;

class Qcow2FuzzTest {
    /** The bytes are a whole qcow2 file: header, extensions, L1/L2 and refcount tables wherever they point. */
    @FuzzTest(maxDuration = "60s")
    void image(byte[] file) {
        Hostile.parseOrRefuse(() -> {
            try (Qcow2BlockDevice d = Qcow2BlockDevice.openReadOnly(new MemoryBlockDevice(file))) {
                read(d, 0, 1 << 16);
                for (int k = 1; k < 8; k++) {
                    read(d, d.size() / 8 * k, 4096);
                }
                read(d, Math.max(0, d.size() - 4096), 4096);
            }
        });
    }

    /** The same, opened for writing: a few writes whose places come from the input must allocate, copy or refuse. */
    @FuzzTest(maxDuration = "60s")
    void writes(FuzzedDataProvider in) {
        int writes = in.consumeInt(1, 4);
        long[] at = new long[writes];
        int[] length = new int[writes];
        for (int k = 0; k < writes; k++) {
            at[k] = in.consumeLong(0, 1L << 40);
            length[k] = in.consumeInt(1, 70_000);
        }
        GrowingMemoryDevice file = new GrowingMemoryDevice(in.consumeRemainingAsBytes());
        Hostile.parseOrRefuse(() -> {
            try (Qcow2BlockDevice d = Qcow2BlockDevice.open(file, file::extend, null, true, 0, io.bootmedic.image.qcow2.Qcow2Backing.Chain.NONE)) {
                for (int k = 0; k < writes; k++) {
                    if (d.size() > 0) {
                        long offset = at[k] % d.size();
                        int n = (int) Math.min(length[k], d.size() - offset);
                        d.write(offset, ByteBuffer.allocate(n));
                        read(d, offset, n);
                    }
                }
            }
        });
    }

    private static void read(Qcow2BlockDevice d, long offset, int length) throws java.io.IOException {
        int n = (int) Math.min(length, d.size() - offset);
        if (n > 0) {
            d.read(offset, ByteBuffer.allocate(n));
        }
    }
}
