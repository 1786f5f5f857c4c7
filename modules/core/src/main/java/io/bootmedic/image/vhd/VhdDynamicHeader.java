package io.bootmedic.image.vhd;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ImageFormatException;

import java.io.IOException;

/**
 * The 1024-byte dynamic disk header (VHD specification 1.0, "Dynamic Disk Header Format"),
 * big-endian: where the block allocation table is, how many entries it has and the block size.
 * Checked: cookie, checksum, a power-of-two block size, and that the table lies inside the file.
 *
 * @param tableOffset     byte offset of the BAT
 * @param maxTableEntries entries the BAT holds
 * @param blockSize       bytes of data per block (2 MiB as Hyper-V and qemu make them)
 */
record VhdDynamicHeader(long tableOffset, long maxTableEntries, int blockSize) {
    static final int SIZE = 1024;
    static final int MAX_BLOCK_SIZE = 256 << 20;
    private static final byte[] COOKIE = "cxsparse".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** @param limit the bytes of the file before its footer: every structure must end by then */
    static VhdDynamicHeader read(BlockDevice file, VhdFooter footer, long limit) throws IOException {
        String what = file.describe() + ": the dynamic VHD header";
        try {
            Exact.requireRange(footer.dataOffset(), SIZE, limit, what);
            if (footer.dataOffset() < VhdFooter.SIZE) {
                throw new ImageFormatException(what + " offset " + footer.dataOffset() + " overlaps the footer copy");
            }
            byte[] raw = file.read(footer.dataOffset(), SIZE);
            LeBytes h = LeBytes.of(raw, what);
            if (!h.startsWith(0, COOKIE) || VhdFooter.checksum(raw, 36) != h.u32be(36)) {
                throw new ImageFormatException(what + " is damaged (cookie or checksum)");
            }
            long tableOffset = h.u64be(16, "Table Offset");
            long entries = h.u32be(28);
            long blockSize = h.u32be(32);
            if (blockSize < 512 || blockSize > MAX_BLOCK_SIZE || Long.bitCount(blockSize) != 1) {
                throw new ImageFormatException(what + ": block size " + blockSize + " is impossible (a power of two, 512 bytes to 256 MiB)");
            }
            Exact.requireRange(tableOffset, Exact.multiply(entries, 4, "BAT bytes"), limit, what + ": block allocation table");
            return new VhdDynamicHeader(tableOffset, entries, (int) blockSize);
        } catch (ImageFormatException e) {
            throw e;
        } catch (FormatException e) {
            throw new ImageFormatException(e.getMessage() + "; the image is damaged or was cut short");
        }
    }
}
