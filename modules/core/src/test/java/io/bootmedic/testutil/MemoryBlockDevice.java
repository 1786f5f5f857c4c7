package io.bootmedic.testutil;

import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A disk held in memory, for parsers fed generated or fuzzed bytes; records whether anything wrote to it. */
public final class MemoryBlockDevice implements BlockDevice {
    private final byte[] data;
    private final int sectorSize;
    private final boolean readOnly;
    private boolean written;

    public MemoryBlockDevice(byte[] data, int sectorSize, boolean readOnly) {
        this.data = data;
        this.sectorSize = sectorSize;
        this.readOnly = readOnly;
    }

    public MemoryBlockDevice(byte[] data) {
        this(data, 512, true);
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException("read-only");
        }
        checkRange(offset, src.remaining());
        written = true;
        src.get(data, (int) offset, src.remaining());
    }

    @Override
    public void flush() {
    }

    @Override
    public String describe() {
        return "memory disk";
    }

    @Override
    public void close() {
    }

    public boolean written() {
        return written;
    }

    public byte[] bytes() {
        return Arrays.copyOf(data, data.length);
    }
}
