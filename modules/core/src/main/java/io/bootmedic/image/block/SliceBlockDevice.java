package io.bootmedic.image.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A partition: a window of a larger device; nothing outside it can be read or written through it. */
public final class SliceBlockDevice extends StackedBlockDevice {
    private final BlockDevice parent;
    private final long start;
    private final long length;
    private final String name;

    public SliceBlockDevice(BlockDevice parent, long start, long length, String name) throws ImageFormatException {
        super(parent, false); // the disk is closed by whoever opened it
        if (start < 0 || length <= 0 || start > parent.size() || length > parent.size() - start) {
            throw new ImageFormatException(name + " (bytes " + start + "+" + length + ") lies outside " + parent.describe()
                    + " (" + parent.size() + " bytes): the partition table is damaged or the image is truncated");
        }
        this.parent = parent;
        this.start = start;
        this.length = length;
        this.name = name;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public int sectorSize() {
        return parent.sectorSize();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        parent.read(start + offset, dst); // offset <= length and start + length <= parent.size(): no overflow
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        parent.write(start + offset, src);
    }

    @Override
    public String describe() {
        return name;
    }
}
