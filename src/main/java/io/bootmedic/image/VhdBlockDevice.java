package io.bootmedic.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Microsoft VHD images: fixed (the disk, then a 512-byte footer) and dynamic (footer copy, dynamic
 * header, block allocation table, blocks of sector bitmap + data). Unallocated blocks read as
 * zeros; a write into one allocates it at the end of the file in a crash-safe order: new footer,
 * then the block, then its table entry. Differencing disks are refused.
 */
public final class VhdBlockDevice implements BlockDevice {
    private static final long UNALLOCATED = 0xFFFFFFFFL;
    private final FileBlockDevice file;
    private final long size;
    private final boolean dynamic;
    private final byte[] footer;
    private final long batOffset;
    private final long[] bat;
    private final int blockSize;
    private final int bitmapBytes;
    private long footerOffset;

    private VhdBlockDevice(FileBlockDevice file, byte[] footer, long size, boolean dynamic, long batOffset, long[] bat, int blockSize) {
        this.file = file;
        this.footer = footer;
        this.size = size;
        this.dynamic = dynamic;
        this.batOffset = batOffset;
        this.bat = bat;
        this.blockSize = blockSize;
        this.bitmapBytes = dynamic ? roundUp(blockSize / 512 / 8, 512) : 0;
        this.footerOffset = file.size() - 512;
    }

    static boolean isVhd(FileBlockDevice file) throws IOException {
        return file.size() >= 512 && "conectix".equals(new String(file.read(file.size() - 512, 8), StandardCharsets.US_ASCII));
    }

    static VhdBlockDevice open(FileBlockDevice file) throws IOException {
        String name = file.describe();
        byte[] footer = file.read(file.size() - 512, 512);
        ByteBuffer f = ByteBuffer.wrap(footer);
        if (checksum(footer, 64) != f.getInt(64)) {
            throw new ImageFormatException(name + ": the VHD footer checksum is wrong; the image is damaged or was cut short");
        }
        long currentSize = f.getLong(48);
        int type = f.getInt(60);
        if (type == 4) {
            throw new ImageFormatException(name + " is a differencing VHD (it needs its parent); merge it first, e.g. 'qemu-img convert -O vpc'");
        }
        if (type == 2) {
            if (currentSize < 0 || currentSize > file.size() - 512) {
                throw new ImageFormatException(name + ": a fixed VHD of " + currentSize + " bytes cannot fit in a " + file.size() + "-byte file; it is truncated");
            }
            return new VhdBlockDevice(file, footer, currentSize, false, 0, null, 0);
        }
        if (type != 3) {
            throw new ImageFormatException(name + ": unknown VHD disk type " + type);
        }
        long headerOffset = f.getLong(16);
        if (headerOffset < 512 || headerOffset + 1024 > file.size()) {
            throw new ImageFormatException(name + ": the dynamic VHD header offset " + headerOffset + " is outside the file");
        }
        byte[] header = file.read(headerOffset, 1024);
        ByteBuffer h = ByteBuffer.wrap(header);
        if (!"cxsparse".equals(new String(header, 0, 8, StandardCharsets.US_ASCII)) || checksum(header, 36) != h.getInt(36)) {
            throw new ImageFormatException(name + ": the dynamic VHD header is damaged (signature or checksum)");
        }
        long batOffset = h.getLong(16);
        int entries = h.getInt(28);
        int blockSize = h.getInt(32);
        if (blockSize < 512 || blockSize % 512 != 0 || blockSize > (256 << 20) || entries < 0
                || (long) entries * blockSize < currentSize || batOffset < 0 || batOffset + 4L * entries > file.size()) {
            throw new ImageFormatException(name + ": the dynamic VHD header has impossible values (block size " + blockSize + ", " + entries + " blocks)");
        }
        ByteBuffer raw = ByteBuffer.wrap(file.read(batOffset, 4 * entries));
        long[] bat = new long[entries];
        int bitmap = roundUp(blockSize / 512 / 8, 512);
        for (int i = 0; i < entries; i++) {
            bat[i] = Integer.toUnsignedLong(raw.getInt(i * 4));
            if (bat[i] != UNALLOCATED && bat[i] * 512 + bitmap + blockSize > file.size() - 512) {
                throw new ImageFormatException(name + ": block " + i + " points beyond the end of the file; the image is truncated");
            }
        }
        return new VhdBlockDevice(file, footer, currentSize, true, batOffset, bat, blockSize);
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
        return file.isReadOnly();
    }


    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        if (!dynamic) {
            file.read(offset, dst);
            return;
        }
        while (dst.hasRemaining()) {
            int block = (int) (offset / blockSize);
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(dst.remaining(), blockSize - inBlock);
            ByteBuffer part = dst.slice(dst.position(), n);
            if (bat[block] == UNALLOCATED) {
                while (part.hasRemaining()) {
                    part.put((byte) 0);
                }
            } else {
                file.read(bat[block] * 512 + bitmapBytes + inBlock, part);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        if (!dynamic) {
            file.write(offset, src);
            return;
        }
        while (src.hasRemaining()) {
            int block = (int) (offset / blockSize);
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(src.remaining(), blockSize - inBlock);
            ByteBuffer part = src.slice(src.position(), n);
            if (bat[block] == UNALLOCATED) {
                allocate(block);
            }
            file.write(bat[block] * 512 + bitmapBytes + inBlock, part);
            src.position(src.position() + n);
            offset += n;
        }
    }

    /** Appends a zeroed block where the footer was; the footer moves to the new end first. */
    private void allocate(int block) throws IOException {
        long blockStart = footerOffset;
        long newFooter = blockStart + bitmapBytes + blockSize;
        file.extend(newFooter + 512);
        file.write(newFooter, ByteBuffer.wrap(footer));
        byte[] bitmap = new byte[bitmapBytes];
        Arrays.fill(bitmap, (byte) 0xFF); // every sector of the block is present (its data is zeros until written)
        file.write(blockStart, ByteBuffer.wrap(bitmap));
        file.write(blockStart + bitmapBytes, ByteBuffer.allocate(blockSize));
        file.flush();
        bat[block] = blockStart / 512;
        file.write(batOffset + 4L * block, ByteBuffer.allocate(4).putInt(0, (int) bat[block]));
        file.flush();
        footerOffset = newFooter;
    }

    /** Whether the block holding {@code offset} has space in the file (for tests and diagnostics). */
    boolean allocated(long offset) {
        return !dynamic || bat[(int) (offset / blockSize)] != UNALLOCATED;
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

    /** Ones' complement of the byte sum, skipping the 4-byte checksum field itself. */
    static int checksum(byte[] data, int checksumAt) {
        int sum = 0;
        for (int i = 0; i < data.length; i++) {
            if (i < checksumAt || i >= checksumAt + 4) {
                sum += data[i] & 0xFF;
            }
        }
        return ~sum;
    }

    private static int roundUp(int value, int unit) {
        return (value + unit - 1) / unit * unit;
    }
}
