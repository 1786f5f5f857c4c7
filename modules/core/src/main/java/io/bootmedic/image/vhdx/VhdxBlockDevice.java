package io.bootmedic.image.vhdx;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.block.GuardedFile;
import io.bootmedic.image.block.ImageFile;
import io.bootmedic.image.block.ImageFormatException;
import io.bootmedic.image.block.StackedBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Hyper-V VHDX images ([MS-VHDX]): the two {@link VhdxHeader}s (the valid one with the higher
 * sequence number is current), the {@link VhdxRegionTable} (the backup copy is read only when the
 * first is damaged), the {@link VhdxMetadata} and the {@link VhdxBat}, read on demand. Blocks not
 * present read as zeros. Writes go in place into present blocks; a write elsewhere appends a new
 * 1 MiB-aligned block (data first, then its table entry). Before the first change the headers get
 * new write GUIDs, as the format requires. An image whose log still holds entries is only read.
 */
public final class VhdxBlockDevice extends StackedBlockDevice {
    private static final long MB = 1 << 20;

    private final ImageFile file;
    private final VhdxHeader header;
    private final VhdxMetadata meta;
    private final VhdxBat bat;
    private final List<String> warnings;
    /** Every write goes through it: null when the image is only read. */
    private final GuardedFile guard;
    private boolean headersUpdated;

    private VhdxBlockDevice(ImageFile file, VhdxHeader header, VhdxMetadata meta, VhdxBat bat, List<String> warnings, GuardedFile guard) {
        super(file, true);
        this.file = file;
        this.guard = guard;
        this.header = header;
        this.meta = meta;
        this.bat = bat;
        this.warnings = warnings;
    }

    public static boolean isVhdx(ImageFile file) throws IOException {
        return file.size() >= 8 && "vhdxfile".equals(new String(file.read(0, 8), StandardCharsets.US_ASCII));
    }

    public static VhdxBlockDevice open(ImageFile file) throws IOException {
        String name = file.describe();
        if (file.size() < 4 * MB) {
            throw new ImageFormatException(name + " is too small to be a VHDX image (" + file.size() + " bytes); it is truncated (copy it again)");
        }
        List<String> warnings = new ArrayList<>();
        VhdxHeader header = currentHeader(file, warnings);
        VhdxRegionTable regions = regionTable(file, warnings);
        VhdxMetadata meta = VhdxMetadata.read(file, regions.metadata());
        VhdxBat bat = VhdxBat.open(file, regions, meta);
        GuardedFile guard = null;
        if (!file.isReadOnly() && !header.logDirty()) {
            // nothing is written, headers included, before every structure a write could touch is checked
            guard = new GuardedFile(file, VhdxPreflight.check(file, header, regions, meta, bat.chunkRatio(), bat.entries()));
        }
        return new VhdxBlockDevice(file, header, meta, bat, warnings, guard);
    }

    /** [MS-VHDX] 2.2.2.1: of the valid headers, the one with the greater SequenceNumber. */
    private static VhdxHeader currentHeader(ImageFile file, List<String> warnings) throws IOException {
        String name = file.describe();
        VhdxHeader h1 = null;
        VhdxHeader h2 = null;
        FormatException e1 = null;
        FormatException e2 = null;
        try {
            h1 = VhdxHeader.parse(file.read(VhdxHeader.SLOT_1, VhdxHeader.SIZE), VhdxHeader.SLOT_1, "VHDX header 1");
        } catch (FormatException e) {
            e1 = e;
        }
        try {
            h2 = VhdxHeader.parse(file.read(VhdxHeader.SLOT_2, VhdxHeader.SIZE), VhdxHeader.SLOT_2, "VHDX header 2");
        } catch (FormatException e) {
            e2 = e;
        }
        if (h1 == null && h2 == null) {
            throw new ImageFormatException(name + ": both VHDX headers are damaged (" + e1.getMessage() + "; " + e2.getMessage()
                    + "); nothing was written");
        }
        if (h1 == null || h2 == null) {
            warnings.add(name + ": " + (h1 == null ? e1 : e2).getMessage() + "; using the other header");
            return h1 == null ? h2 : h1;
        }
        return Long.compareUnsigned(h1.sequence(), h2.sequence()) >= 0 ? h1 : h2;
    }

    /** [MS-VHDX] 2.2.3: the table at 192 KiB; its copy at 256 KiB only when that one is damaged. */
    private static VhdxRegionTable regionTable(ImageFile file, List<String> warnings) throws IOException {
        String name = file.describe();
        try {
            return VhdxRegionTable.parse(file.read(VhdxRegionTable.AT_1, VhdxRegionTable.SIZE), file.size(), name + ": VHDX region table 1");
        } catch (FormatException first) {
            try {
                VhdxRegionTable backup = VhdxRegionTable.parse(file.read(VhdxRegionTable.AT_2, VhdxRegionTable.SIZE), file.size(),
                        name + ": VHDX region table 2");
                warnings.add(first.getMessage() + "; using the copy at 256 KiB");
                return backup;
            } catch (FormatException second) {
                throw new ImageFormatException(name + ": both VHDX region tables are damaged (" + first.getMessage() + "; " + second.getMessage()
                        + "); nothing was written");
            }
        }
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public long size() {
        return meta.diskSize();
    }

    @Override
    public int sectorSize() {
        return meta.logicalSectorSize();
    }

    @Override
    public boolean isReadOnly() {
        return super.isReadOnly() || header.logDirty();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        int blockSize = meta.blockSize();
        while (dst.hasRemaining()) {
            long block = offset / blockSize;
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(dst.remaining(), blockSize - inBlock);
            ByteBuffer part = dst.slice(dst.position(), n);
            long at = bat.blockOffset(block);
            if (at >= 0) {
                file.read(at + inBlock, part);
            } else {
                while (part.hasRemaining()) {
                    part.put((byte) 0);
                }
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        if (header.logDirty()) {
            throw new IOException(file.describe() + ": the VHDX log holds changes that were never applied; open the disk once in Hyper-V "
                    + "(or run 'qemu-img check -r all') before repairing it. Nothing was written.");
        }
        if (guard == null) {
            throw new IOException(file.describe() + " is open read-only");
        }
        if (!headersUpdated) {
            updateHeaders();
        }
        int blockSize = meta.blockSize();
        while (src.hasRemaining()) {
            long block = offset / blockSize;
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(src.remaining(), blockSize - inBlock);
            long at = bat.blockOffset(block);
            if (at < 0) {
                at = allocate(block);
            }
            guard.write(at + inBlock, src.slice(src.position(), n));
            src.position(src.position() + n);
            offset += n;
        }
    }

    /** A new block at the 1 MiB-aligned end of the file: zeros written first, then the table entry. */
    private long allocate(long block) throws IOException {
        long at = (file.size() + MB - 1) / MB * MB;
        guard.extend(at + meta.blockSize());
        guard.write(at, ByteBuffer.allocate(meta.blockSize()));
        file.flush();
        bat.setPresent(block, at, guard);
        file.flush();
        return at;
    }

    /** Before the first change: new file and data write GUIDs, written to the older header slot. */
    private void updateHeaders() throws IOException {
        byte[] next = header.raw().clone();
        ByteBuffer h = ByteBuffer.wrap(next).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(8, h.getLong(8) + 1);
        byte[] guids = new byte[32];
        new SecureRandom().nextBytes(guids);
        h.put(16, guids);
        h.putInt(4, VhdxHeader.crc32c(next, 4));
        guard.writeMetadata(header.otherSlot(), ByteBuffer.wrap(next), VhdxPreflight.HEAD);
        file.flush();
        headersUpdated = true;
    }

    /** Whether the block holding {@code offset} has space in the file (for tests and diagnostics). */
    public boolean allocated(long offset) throws IOException {
        return bat.blockOffset(offset / meta.blockSize()) >= 0;
    }

    @Override
    public String describe() {
        return file.describe();
    }
}
