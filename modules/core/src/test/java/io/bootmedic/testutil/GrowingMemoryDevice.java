package io.bootmedic.testutil;


import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** An image file held in memory that grows as a format appends clusters (up to 64 MiB), for write paths under fuzz and mutation. */
public final class GrowingMemoryDevice implements io.bootmedic.image.block.ImageFile {
    private static final long LIMIT = 64L << 20;
    private byte[] data;
    private int size;

    public GrowingMemoryDevice(byte[] initial) {
        this.data = initial;
        this.size = initial.length;
    }

    /** The grower a format calls before writing past the end. */
    @Override
    public void extend(long newSize) throws IOException {
        if (newSize > LIMIT) {
            throw new IOException("the test image may not grow past 64 MiB (asked for " + newSize + ")");
        }
        if (newSize > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(LIMIT, Math.max(newSize, data.length * 2L)));
        }
        size = (int) Math.max(size, newSize);
    }

    public byte[] bytes() {
        return Arrays.copyOf(data, size);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        src.get(data, (int) offset, src.remaining());
    }

    @Override
    public void flush() {
    }

    @Override
    public String describe() {
        return "test.qcow2";
    }

    @Override
    public void close() {
    }
}
