package io.bootmedic.image.block;

import java.io.IOException;

/** The file under an image format: a device that can also grow, for formats that allocate at the end. */
public interface ImageFile extends BlockDevice {
    /** Grows the file (never a device) to {@code newSize} bytes. */
    void extend(long newSize) throws IOException;
}
