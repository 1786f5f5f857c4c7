package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.vhdx.VhdxBlockDevice;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryImageFile;

/**
 * The VHDX reader. A VHDX is at least 4 MiB, mostly zeros, so the input carries only the parts
 * the reader looks at, laid onto a 5 MiB zero image where qemu-img puts them: both headers, both
 * region tables (first 4 KiB; the rest of each 64 KiB table is zero, as qemu writes it), the start
 * of the BAT, the metadata table and its items, and one data block. Seeds (VhdxFuzzTestInputs) are
 * those parts of qemu-img-made images: an empty 8 MiB one and a 1 MiB-block one with a block
 * written by qemu-io (its BAT entry moved to the block at 4 MiB).
 */
class VhdxFuzzTest {
    private static final int K = 1024;
    private static final int M = 1 << 20;
    /** (file offset, bytes) of each part, in input order. */
    private static final int[][] LAYOUT = {{64 * K, 4096}, {128 * K, 4096}, {192 * K, 4096}, {256 * K, 4096}, {2 * M, 4096},
            {3 * M, 512}, {3 * M + 64 * K, 512}, {4 * M, 4096}};

    static byte[] layOut(byte[] parts) {
        byte[] image = new byte[5 * M];
        int from = 0;
        for (int[] part : LAYOUT) {
            int n = Math.min(part[1], parts.length - from);
            if (n <= 0) {
                break;
            }
            System.arraycopy(parts, from, image, part[0], n);
            from += n;
        }
        System.arraycopy("vhdxfile".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, image, 0, 8);
        return image;
    }

    @FuzzTest(maxDuration = "60s")
    void image(byte[] parts) {
        byte[] file = layOut(parts);
        Hostile.parseOrRefuse(() -> {
            BlockDevice d = VhdxBlockDevice.open(new MemoryImageFile(file));
            d.read(0, (int) Math.min(d.size(), 64 * 1024));
            if (d.size() > 2 * M) {
                d.read(M, 4096);
                d.read(d.size() - 4096, 4096);
            }
        });
        // the same bytes opened for writing: the preflight and the guard, then writes; refused cleanly or written
        Hostile.parseOrRefuse(() -> {
            try (BlockDevice w = VhdxBlockDevice.open(new io.bootmedic.testutil.GrowingMemoryDevice(file.clone()))) {
                for (long at : new long[] {0, w.size() / 2, w.size() - 512}) {
                    if (at >= 0 && at + 512 <= w.size()) {
                        w.write(at, java.nio.ByteBuffer.allocate(512));
                    }
                }
            }
        });
    }
}
