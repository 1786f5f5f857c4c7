package io.bootmedic.image.block;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A positional, byte-addressed view of a disk, an image, a partition or a decrypted volume.
 * Layers stack (file, image format, partition, BitLocker) and each one is a BlockDevice.
 * Reads and writes are always whole: a short read past the end is an {@link java.io.EOFException}.
 */
public interface BlockDevice extends Closeable {

    /** Size in bytes. */
    long size();

    /** Logical sector size in bytes (512 or 4096). */
    int sectorSize();

    boolean isReadOnly();

    /** Fills {@code dst.remaining()} bytes starting at {@code offset}, or throws. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src.remaining()} bytes at {@code offset}, or throws. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes earlier writes durable. */
    void flush() throws IOException;

    /** What the format reader had to work around (a damaged copy of a header, say), for the report. */
    default java.util.List<String> warnings() {
        return java.util.List.of();
    }

    /** Where this device comes from, for messages: "disk.vhdx, partition 3". */
    String describe();

    /** Throws when {@code count} bytes at {@code offset} are not all inside this device. */
    default void checkRange(long offset, long count) throws java.io.EOFException {
        if (offset < 0 || count < 0 || offset > size() || count > size() - offset) {
            throw new java.io.EOFException(count + " bytes at " + offset + " are beyond the end of " + describe() + " (" + size() + " bytes)");
        }
    }

    default byte[] read(long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        read(offset, buffer);
        return buffer.array();
    }
}
