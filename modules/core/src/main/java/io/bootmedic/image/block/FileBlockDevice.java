package io.bootmedic.image.block;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw image file or a block device (/dev/sdc), read through a FileChannel. */
public final class FileBlockDevice implements ImageFile {
    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final int sectorSize;
    private final ImageLock lock;
    private long size;

    private FileBlockDevice(Path path, FileChannel channel, ImageLock lock, boolean readOnly, long size, int sectorSize) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.readOnly = readOnly;
        this.size = size;
        this.sectorSize = sectorSize;
    }

    /**
     * Opens {@code path}; for writing, only after taking the {@link ImageLock} (QEMU's locks, and
     * O_EXCL on a block device), so no writable device exists that a running VM also writes.
     */
    public static FileBlockDevice open(Path path, boolean writable) throws IOException {
        ImageLock lock = writable ? ImageLock.forWriting(path) : null;
        try {
            return open(path, writable, lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    private static FileBlockDevice open(Path path, boolean writable, ImageLock lock) throws IOException {
        FileChannel ch;
        try {
            ch = writable ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(path, StandardOpenOption.READ);
        } catch (java.nio.file.FileSystemException e) {
            String why = e.getReason() != null ? e.getReason() : "access denied";
            throw new IOException(path + " cannot be opened" + (writable ? " for writing" : "") + ": " + why
                    + (writable ? " (a repair writes to the image: make it writable, or run 'scan' to only look)" : ""), e);
        }
        long size = ch.size();
        int sector = 512;
        if (size == 0) {
            size = blockDeviceSize(path);
            sector = logicalBlockSize(path);
        }
        return new FileBlockDevice(path, ch, lock, !writable, size, sector);
    }

    /**
     * A 4K-native disk (or a loop device set up with --sector-size 4096) numbers its partition
     * table in 4096-byte sectors; Linux publishes the logical sector size under /sys (for a
     * partition, in its disk's queue folder). An image file says nothing: 512, and the GPT reader
     * finds a 4096-byte layout by where its header is.
     */
    private static int logicalBlockSize(Path path) {
        try {
            Path dev = Path.of("/sys/class/block", path.toRealPath().getFileName().toString()).toRealPath();
            for (Path dir : new Path[]{dev, dev.getParent()}) {
                Path f = dir.resolve("queue/logical_block_size");
                if (java.nio.file.Files.isReadable(f)) {
                    int n = Integer.parseInt(java.nio.file.Files.readString(f).strip());
                    return n == 4096 ? 4096 : 512;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no such device under /sys: the common case of 512-byte sectors
        }
        return 512;
    }

    /** Java sees a block device as 0 bytes long; Linux publishes its size in 512-byte units under /sys. */
    private static long blockDeviceSize(Path path) {
        try {
            Path real = path.toRealPath();
            Path sys = Path.of("/sys/class/block", real.getFileName().toString(), "size");
            return Long.parseLong(java.nio.file.Files.readString(sys).strip()) * 512;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public long size() {
        return size;
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
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new EOFException(path + " ended at " + pos + " although it is " + size + " bytes long");
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is open read-only");
        }
        checkRange(offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

        @Override
    public void extend(long newSize) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is open read-only");
        }
        if (newSize > size) {
            channel.write(java.nio.ByteBuffer.allocate(1), newSize - 1);
            size = newSize;
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }
}
