package io.bootmedic.image.block;

import java.io.IOException;

/**
 * A layer over another device: a container format over its file, a partition over its disk, a
 * decrypted volume over the encrypted one. Whether it can be written, making writes durable and,
 * where the layer owns what is below it, closing, all go to the device below.
 */
public abstract class StackedBlockDevice implements BlockDevice {
    private final BlockDevice below;
    private final boolean ownsBelow;

    /** @param ownsBelow close {@code below} with this layer (a format over its file), or leave that to whoever opened it (a partition) */
    protected StackedBlockDevice(BlockDevice below, boolean ownsBelow) {
        this.below = below;
        this.ownsBelow = ownsBelow;
    }

    /** The device this layer reads and writes. */
    protected final BlockDevice below() {
        return below;
    }

    @Override
    public boolean isReadOnly() {
        return below.isReadOnly();
    }

    @Override
    public void flush() throws IOException {
        below.flush();
    }

    @Override
    public void close() throws IOException {
        if (ownsBelow) {
            below.close();
        }
    }
}
