package io.bootmedic.platform;

import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read-only {@link BlockDevice} over {@link RawVolumeReader}, so the BitLocker metadata reader
 * can run on a live Windows volume. Raw reads there must be whole sectors, so each read is
 * widened to 4 KiB boundaries and cut back.
 */
final class RawVolumeDevice implements BlockDevice {
    private static final int ALIGN = 4096;
    private final RawVolumeReader reader;
    private final String volume;

    RawVolumeDevice(RawVolumeReader reader, String volume) {
        this.reader = reader;
        this.volume = volume;
    }

    /** Unknown without a volume-size call: 1 PiB bounds what a metadata offset may plausibly be. */
    @Override
    public long size() {
        return 1L << 50;
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
        long start = offset - offset % ALIGN;
        long end = offset + dst.remaining();
        long alignedEnd = (end + ALIGN - 1) / ALIGN * ALIGN;
        if (alignedEnd - start > Integer.MAX_VALUE) {
            throw new IOException("read of " + dst.remaining() + " bytes is too large");
        }
        byte[] data = reader.read(volume, start, (int) (alignedEnd - start));
        int skip = (int) (offset - start);
        if (data.length < skip + dst.remaining()) {
            throw new java.io.EOFException(volume + " ended before byte " + end);
        }
        dst.put(data, skip, dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        throw new IOException(volume + " is only read here");
    }

    @Override
    public void flush() {
    }

    @Override
    public String describe() {
        return volume;
    }

    @Override
    public void close() {
    }
}
