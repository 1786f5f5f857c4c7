package io.bootmedic.image.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The only way a container writes to its file. {@link #write} is a data write (guest bytes, from
 * whatever layer asked: libntfs-3g's callbacks, the BitLocker layer, a test) and is refused when
 * it would touch any structure in the {@link MetadataMap}; {@link #writeMetadata} must land wholly
 * inside one declared structure. So a damaged table that maps guest data onto the image's own
 * metadata can at worst cause a refusal, never a write there, whatever code path computed the offset.
 */
public final class GuardedFile implements ImageFile {
    private final BlockDevice file;
    private final Grower grower;
    private final MetadataMap map;

    /** Grows the file under an image for structures appended at its end. */
    @FunctionalInterface
    public interface Grower {
        void extend(long newSize) throws IOException;
    }

    /** @param grower grows the file (null: the file cannot grow, a device or a fixed-size format) */
    public GuardedFile(BlockDevice file, Grower grower, MetadataMap map) {
        this.file = file;
        this.grower = grower;
        this.map = map;
    }

    public GuardedFile(ImageFile file, MetadataMap map) {
        this(file, file::extend, map);
    }

    public MetadataMap map() {
        return map;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        MetadataMap.Extent hit = map.overlap(offset, src.remaining());
        if (hit != null) {
            throw new MetadataWriteRefused(file.describe() + " is damaged: a data write of " + src.remaining() + " bytes at byte " + offset
                    + " would overwrite " + hit + "; bootmedic refused it (qemu-img check on a copy shows the damage)");
        }
        file.write(offset, src);
    }

    /** Writes inside one declared structure of the kind {@code what} ("L2 table"), or refuses. */
    public void writeMetadata(long offset, ByteBuffer src, String what) throws IOException {
        MetadataMap.Extent in = map.containing(offset, src.remaining());
        if (in == null || !in.what().equals(what)) {
            throw new MetadataWriteRefused(file.describe() + ": a write of the " + what + " (" + src.remaining() + " bytes at byte " + offset
                    + ") lies outside every structure the preflight found; bootmedic refused it");
        }
        file.write(offset, src);
    }

    /** Declares a structure just allocated (past the old end of the file) and writes it. */
    public void writeNewMetadata(long offset, ByteBuffer src, String what) throws IOException {
        map.declare(offset, src.remaining(), what);
        file.write(offset, src);
    }

    @Override
    public void extend(long newSize) throws IOException {
        if (grower == null) {
            throw new IOException(file.describe() + " cannot grow");
        }
        grower.extend(newSize);
    }

    @Override
    public long size() {
        return file.size();
    }

    @Override
    public int sectorSize() {
        return file.sectorSize();
    }

    @Override
    public boolean isReadOnly() {
        return file.isReadOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        file.read(offset, dst);
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    @Override
    public String describe() {
        return file.describe();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /** A write the guard stopped: the image is damaged in a way the preflight did not see. Exit 2. */
    public static final class MetadataWriteRefused extends ImageFormatException {
        public MetadataWriteRefused(String message) {
            super(message);
        }
    }
}
