package io.bootmedic.image.vhd;

import io.bootmedic.image.block.GuardedFile;
import io.bootmedic.image.block.ImageFile;
import io.bootmedic.image.block.ImageFormatException;
import io.bootmedic.image.block.MetadataMap;
import io.bootmedic.image.block.StackedBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Microsoft VHD images: fixed (the disk, then a 512-byte {@link VhdFooter}) and dynamic (footer
 * copy, {@link VhdDynamicHeader}, {@link VhdBat}, blocks of sector bitmap + data). Unallocated
 * blocks read as zeros; a write into one allocates it at the end of the file in a crash-safe
 * order: new footer, then the block, then its table entry. Differencing disks are refused.
 *
 * <p>A dynamic disk whose trailing footer is damaged is opened from the copy at offset 0, as
 * qemu-img and libvhdi do, with a warning. Reads change nothing. Before the first write the
 * trailing footer is rewritten from the copy: safe because every structure was checked to end
 * before the footer's sector, so that sector holds nothing else, and it is what the format requires
 * a writer to leave behind.
 */
public final class VhdBlockDevice extends StackedBlockDevice {
    static final String TABLE = "VHD block table";
    private final ImageFile file;
    /** Every write goes through it: data never lands in the footer copy, the header or the table. */
    private GuardedFile guard;
    private final VhdFooter footer;
    private final long size;
    private final VhdDynamicHeader header;
    private final VhdBat bat;
    private final int bitmapBytes;
    private final List<String> warnings;
    private boolean footerDamaged;
    private long footerOffset;

    private VhdBlockDevice(ImageFile file, VhdFooter footer, VhdDynamicHeader header, VhdBat bat, boolean footerDamaged, List<String> warnings) {
        super(file, true);
        this.file = file;
        this.footer = footer;
        this.size = footer.currentSize();
        this.header = header;
        this.bat = bat;
        this.bitmapBytes = header == null ? 0 : bitmapBytes(header.blockSize());
        this.footerDamaged = footerDamaged;
        this.warnings = warnings;
        this.footerOffset = file.size() - VhdFooter.SIZE;
    }

    /** A VHD footer cookie at the end, or (a dynamic disk whose footer is damaged) its copy at offset 0. */
    public static boolean isVhd(ImageFile file) throws IOException {
        if (file.size() < VhdFooter.SIZE) {
            return false;
        }
        return VhdFooter.hasCookie(file.read(file.size() - VhdFooter.SIZE, VhdFooter.SIZE)) || VhdFooter.hasCookie(file.read(0, VhdFooter.SIZE));
    }

    public static VhdBlockDevice open(ImageFile file) throws IOException {
        String name = file.describe();
        if (file.size() < VhdFooter.SIZE) {
            throw new ImageFormatException(name + " is only " + file.size() + " bytes: too small to be a VHD; it was cut short (copy it again)");
        }
        List<String> warnings = new ArrayList<>();
        long footerAt = file.size() - VhdFooter.SIZE;
        VhdFooter footer;
        boolean damaged = false;
        try {
            footer = VhdFooter.parse(file.read(footerAt, VhdFooter.SIZE), name + ": the VHD footer");
        } catch (ImageFormatException trailing) {
            byte[] head = file.size() >= 2 * VhdFooter.SIZE ? file.read(0, VhdFooter.SIZE) : new byte[0];
            if (!VhdFooter.hasCookie(head)) {
                throw new ImageFormatException(trailing.getMessage() + "; the image is damaged or was cut short");
            }
            try {
                footer = VhdFooter.parse(head, name + ": the footer copy at offset 0");
            } catch (ImageFormatException copy) {
                throw new ImageFormatException(name + ": both VHD footers are damaged (end: " + trailing.getMessage() + "; copy: " + copy.getMessage()
                        + "); the image was cut short or is damaged (copy it again)");
            }
            if (footer.type() == VhdFooter.Type.FIXED) {
                throw new ImageFormatException(trailing.getMessage() + "; the image is damaged or was cut short");
            }
            damaged = true;
            warnings.add(name + ": the VHD footer at the end is damaged or missing (" + trailing.getMessage() + "); using the copy at offset 0"
                    + " (the footer is rewritten from it before the first change)");
        }
        if (footer.type() == VhdFooter.Type.DIFFERENCING) {
            throw new ImageFormatException(name + " is a differencing VHD (it needs its parent); merge it first, e.g. 'qemu-img convert -O vpc'");
        }
        if (footer.type() == VhdFooter.Type.FIXED) {
            if (footer.currentSize() > footerAt) {
                throw new ImageFormatException(name + ": a fixed VHD of " + footer.currentSize() + " bytes cannot fit in a " + file.size()
                        + "-byte file; it is truncated (copy it again)");
            }
            VhdBlockDevice fixed = new VhdBlockDevice(file, footer, null, null, false, warnings);
            MetadataMap map = new MetadataMap(name);
            map.declare(footerAt, VhdFooter.SIZE, "VHD footer");
            map.seal();
            fixed.guard = new GuardedFile(file, map);
            return fixed;
        }
        VhdDynamicHeader header = VhdDynamicHeader.read(file, footer, footerAt);
        VhdBat bat = VhdBat.read(file, footer, header, bitmapBytes(header.blockSize()), footerAt);
        VhdBlockDevice device = new VhdBlockDevice(file, footer, header, bat, damaged, warnings);
        MetadataMap map = new MetadataMap(name);
        VhdBat.declare(map, footer, header); // overlapping structures are damage, refused here
        map.seal();
        device.guard = new GuardedFile(file, map);
        return device;
    }

    /** One bit per 512-byte sector, padded to whole sectors. */
    static int bitmapBytes(int blockSize) {
        int bytes = (blockSize / 512 + 7) / 8;
        return (bytes + 511) / 512 * 512;
    }

    @Override
    public List<String> warnings() {
        return warnings;
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
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        if (header == null) {
            file.read(offset, dst);
            return;
        }
        int blockSize = header.blockSize();
        while (dst.hasRemaining()) {
            long block = offset / blockSize;
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(dst.remaining(), blockSize - inBlock);
            ByteBuffer part = dst.slice(dst.position(), n);
            if (!bat.present(block)) {
                while (part.hasRemaining()) {
                    part.put((byte) 0);
                }
            } else {
                file.read(bat.offset(block) + bitmapBytes + inBlock, part);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        if (header == null) {
            guard.write(offset, src);
            return;
        }
        if (footerDamaged) {
            guard.write(footerOffset, ByteBuffer.wrap(footer.raw()));
            file.flush();
            footerDamaged = false;
        }
        int blockSize = header.blockSize();
        while (src.hasRemaining()) {
            long block = offset / blockSize;
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(src.remaining(), blockSize - inBlock);
            ByteBuffer part = src.slice(src.position(), n);
            if (!bat.present(block)) {
                allocate(block);
            }
            guard.write(bat.offset(block) + bitmapBytes + inBlock, part);
            src.position(src.position() + n);
            offset += n;
        }
    }

    /** Appends a zeroed block where the footer was; the footer moves to the new end first. */
    private void allocate(long block) throws IOException {
        int blockSize = header.blockSize();
        long blockStart = footerOffset;
        long newFooter = blockStart + bitmapBytes + blockSize;
        if (newFooter / 512 >= VhdBat.UNALLOCATED) {
            throw new ImageFormatException(file.describe() + ": the VHD would grow past 2 TiB, the format's limit; nothing more was written");
        }
        guard.extend(newFooter + VhdFooter.SIZE);
        guard.write(newFooter, ByteBuffer.wrap(footer.raw()));
        byte[] bitmap = new byte[bitmapBytes];
        Arrays.fill(bitmap, (byte) 0xFF); // every sector of the block is present (its data is zeros until written)
        guard.write(blockStart, ByteBuffer.wrap(bitmap));
        guard.write(blockStart + bitmapBytes, ByteBuffer.allocate(blockSize));
        file.flush();
        bat.set(block, blockStart);
        guard.writeMetadata(header.tableOffset() + 4L * block, ByteBuffer.allocate(4).putInt(0, (int) (blockStart / 512)), TABLE);
        file.flush();
        footerOffset = newFooter;
    }

    /** Whether the block holding {@code offset} has space in the file (for tests and diagnostics). */
    public boolean allocated(long offset) {
        return header == null || bat.present(offset / header.blockSize());
    }

    @Override
    public String describe() {
        return file.describe();
    }
}
