package io.bootmedic.testutil;

import io.bootmedic.image.block.ImageFile;

import java.io.IOException;
import java.nio.ByteBuffer;

/** An image file held in memory, for format readers fed fuzzed or mutated bytes; it never grows. */
public final class MemoryImageFile implements ImageFile {
    private final MemoryBlockDevice bytes;

    public MemoryImageFile(byte[] data) {
        this.bytes = new MemoryBlockDevice(data, 512, true);
    }

    @Override
    public void extend(long newSize) throws IOException {
        throw new IOException("a memory image does not grow");
    }

    @Override
    public long size() {
        return bytes.size();
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        bytes.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        bytes.write(offset, src);
    }

    @Override
    public void flush() {
    }

    @Override
    public String describe() {
        return "memory image";
    }

    @Override
    public void close() {
    }
}
