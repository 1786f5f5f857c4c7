package io.bootmedic.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.zip.CRC32C;

/**
 * Hyper-V VHDX images: the two headers (current one by sequence number, CRC-32C checked), the
 * region table, the metadata items and the block allocation table. Blocks not present read as
 * zeros. Writes go in place into present blocks; a write elsewhere appends a new 1 MiB-aligned
 * block (data first, then its table entry). Before the first change the headers get new write
 * GUIDs, as the format requires. An image whose log still holds entries is opened for reading only.
 */
public final class VhdxBlockDevice implements BlockDevice {
    private static final long MB = 1 << 20;
    private static final String BAT_REGION = "2DC27766-F623-4200-9D64-115E9BFD4A08";
    private static final String METADATA_REGION = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
    private static final String FILE_PARAMETERS = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
    private static final String VIRTUAL_DISK_SIZE = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
    private static final String LOGICAL_SECTOR_SIZE = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
    private static final int PAYLOAD_FULLY_PRESENT = 6;

    private final FileBlockDevice file;
    private final long size;
    private final int blockSize;
    private final int sectorSize;
    private final long chunkRatio;
    private final long batOffset;
    private final long[] bat;
    private final boolean logDirty;
    private final byte[] currentHeader;
    private final long currentHeaderSlot;
    private boolean headersUpdated;

    private VhdxBlockDevice(FileBlockDevice file, long size, int blockSize, int sectorSize, long batOffset, long[] bat, boolean logDirty,
                            byte[] currentHeader, long currentHeaderSlot) {
        this.file = file;
        this.size = size;
        this.blockSize = blockSize;
        this.sectorSize = sectorSize;
        this.chunkRatio = (1L << 23) * sectorSize / blockSize;
        this.batOffset = batOffset;
        this.bat = bat;
        this.logDirty = logDirty;
        this.currentHeader = currentHeader;
        this.currentHeaderSlot = currentHeaderSlot;
    }

    static boolean isVhdx(FileBlockDevice file) throws IOException {
        return file.size() >= 8 && "vhdxfile".equals(new String(file.read(0, 8), StandardCharsets.US_ASCII));
    }

    static VhdxBlockDevice open(FileBlockDevice file) throws IOException {
        String name = file.describe();
        if (file.size() < 4 * MB) {
            throw new ImageFormatException(name + " is too small to be a VHDX image (" + file.size() + " bytes); it is truncated");
        }
        byte[] h1 = file.read(64 * 1024, 4096);
        byte[] h2 = file.read(128 * 1024, 4096);
        boolean ok1 = validHeader(h1);
        boolean ok2 = validHeader(h2);
        if (!ok1 && !ok2) {
            throw new ImageFormatException(name + ": both VHDX headers are damaged (signature or CRC-32C)");
        }
        boolean use1 = ok1 && (!ok2 || le(h1).getLong(8) >= le(h2).getLong(8));
        byte[] header = use1 ? h1 : h2;
        boolean logDirty = !isZero(header, 48, 16);

        ByteBuffer regions = le(regionTable(file, 192 * 1024).orElse(regionTable(file, 256 * 1024)
                .orElseThrow(() -> new ImageFormatException(name + ": both VHDX region tables are damaged"))));
        long batAt = -1;
        long batLength = 0;
        long metaAt = -1;
        long metaLength = 0;
        int count = regions.getInt(8);
        if (count < 0 || count > 2047) {
            throw new ImageFormatException(name + ": the VHDX region table claims " + count + " entries");
        }
        for (int i = 0; i < count; i++) {
            int at = 16 + i * 32;
            String guid = PartitionTable.guid(regions, at);
            long offset = regions.getLong(at + 16);
            long length = Integer.toUnsignedLong(regions.getInt(at + 24));
            if (offset < 0 || offset + length > file.size()) {
                throw new ImageFormatException(name + ": VHDX region " + guid + " lies beyond the end of the file; the image is truncated");
            }
            if (guid.equals(BAT_REGION)) {
                batAt = offset;
                batLength = length;
            } else if (guid.equals(METADATA_REGION)) {
                metaAt = offset;
                metaLength = length;
            } else if (regions.getInt(at + 28) != 0) {
                throw new ImageFormatException(name + ": VHDX region " + guid + " is required but unknown to bootmedic");
            }
        }
        if (batAt < 0 || metaAt < 0) {
            throw new ImageFormatException(name + ": the VHDX image has no block table or no metadata region");
        }
        ByteBuffer meta = le(file.read(metaAt, (int) Math.min(metaLength, 1 << 20)));
        if (!"metadata".equals(new String(meta.array(), 0, 8, StandardCharsets.US_ASCII))) {
            throw new ImageFormatException(name + ": the VHDX metadata table is damaged");
        }
        int items = Short.toUnsignedInt(meta.getShort(10));
        long blockSize = -1;
        long diskSize = -1;
        long sectorSize = -1;
        boolean hasParent = false;
        for (int i = 0; i < items && 32 + (i + 1) * 32 <= meta.limit(); i++) {
            int at = 32 + i * 32;
            String id = PartitionTable.guid(meta, at);
            int off = meta.getInt(at + 16);
            int len = meta.getInt(at + 20);
            if (off < 0 || len < 0 || (long) off + len > meta.limit()) {
                throw new ImageFormatException(name + ": VHDX metadata item " + id + " lies outside its region");
            }
            switch (id) {
                case FILE_PARAMETERS -> {
                    blockSize = Integer.toUnsignedLong(meta.getInt(off));
                    hasParent = (meta.getInt(off + 4) & 2) != 0;
                }
                case VIRTUAL_DISK_SIZE -> diskSize = meta.getLong(off);
                case LOGICAL_SECTOR_SIZE -> sectorSize = Integer.toUnsignedLong(meta.getInt(off));
                default -> { }
            }
        }
        if (hasParent) {
            throw new ImageFormatException(name + " is a differencing VHDX (it needs its parent); merge it first (Merge-VHD or 'qemu-img convert')");
        }
        if (blockSize < MB || blockSize > 256 * MB || Long.bitCount(blockSize) != 1 || (sectorSize != 512 && sectorSize != 4096) || diskSize <= 0) {
            throw new ImageFormatException(name + ": VHDX metadata has impossible values (block " + blockSize + ", sector " + sectorSize + ", size " + diskSize + ")");
        }
        long payloadBlocks = (diskSize + blockSize - 1) / blockSize;
        long ratio = (1L << 23) * sectorSize / blockSize;
        long entries = payloadBlocks + (payloadBlocks - 1) / ratio + 1;
        if (entries * 8 > batLength) {
            throw new ImageFormatException(name + ": the VHDX block table is too small for a " + diskSize + "-byte disk");
        }
        ByteBuffer raw = le(file.read(batAt, (int) (entries * 8)));
        long[] bat = new long[(int) entries];
        for (int i = 0; i < entries; i++) {
            bat[i] = raw.getLong(i * 8);
            if ((bat[i] & 7) == PAYLOAD_FULLY_PRESENT && (bat[i] >>> 20) * MB + blockSize > file.size()) {
                throw new ImageFormatException(name + ": block table entry " + i + " points beyond the end of the file; the image is truncated");
            }
        }
        return new VhdxBlockDevice(file, diskSize, (int) blockSize, (int) sectorSize, batAt, bat, logDirty, header, use1 ? 64 * 1024 : 128 * 1024);
    }

    private static boolean validHeader(byte[] h) {
        if (!"head".equals(new String(h, 0, 4, StandardCharsets.US_ASCII))) {
            return false;
        }
        int stored = le(h).getInt(4);
        byte[] copy = h.clone();
        le(copy).putInt(4, 0);
        return crc32c(copy) == stored;
    }

    private static java.util.Optional<byte[]> regionTable(FileBlockDevice file, long at) throws IOException {
        byte[] t = file.read(at, 64 * 1024);
        if (!"regi".equals(new String(t, 0, 4, StandardCharsets.US_ASCII))) {
            return java.util.Optional.empty();
        }
        int stored = le(t).getInt(4);
        byte[] copy = t.clone();
        le(copy).putInt(4, 0);
        return crc32c(copy) == stored ? java.util.Optional.of(t) : java.util.Optional.empty();
    }

    /** Index of payload block {@code b} in the table: a sector-bitmap entry follows every chunk. */
    private int batIndex(long block) {
        return (int) (block + block / chunkRatio);
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
        return file.isReadOnly() || logDirty;
    }


    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            long block = offset / blockSize;
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(dst.remaining(), blockSize - inBlock);
            ByteBuffer part = dst.slice(dst.position(), n);
            long entry = bat[batIndex(block)];
            if ((entry & 7) == PAYLOAD_FULLY_PRESENT) {
                file.read((entry >>> 20) * MB + inBlock, part);
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
        if (logDirty) {
            throw new IOException(file.describe() + ": the VHDX log holds changes that were never applied; open the disk once in Hyper-V "
                    + "(or run 'qemu-img check -r all') before repairing it. Nothing was written.");
        }
        if (!headersUpdated) {
            updateHeaders();
        }
        while (src.hasRemaining()) {
            long block = offset / blockSize;
            int inBlock = (int) (offset % blockSize);
            int n = Math.min(src.remaining(), blockSize - inBlock);
            int index = batIndex(block);
            if ((bat[index] & 7) != PAYLOAD_FULLY_PRESENT) {
                allocate(index);
            }
            file.write((bat[index] >>> 20) * MB + inBlock, src.slice(src.position(), n));
            src.position(src.position() + n);
            offset += n;
        }
    }

    /** A new block at the 1 MiB-aligned end of the file: zeros written first, then the table entry. */
    private void allocate(int index) throws IOException {
        long at = (file.size() + MB - 1) / MB * MB;
        file.extend(at + blockSize);
        file.write(at, ByteBuffer.allocate(blockSize));
        file.flush();
        bat[index] = (at / MB) << 20 | PAYLOAD_FULLY_PRESENT;
        file.write(batOffset + 8L * index, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bat[index]));
        file.flush();
    }

    /** Before the first change: new file and data write GUIDs, written to the older header slot. */
    private void updateHeaders() throws IOException {
        byte[] next = currentHeader.clone();
        ByteBuffer h = le(next);
        h.putLong(8, h.getLong(8) + 1);
        byte[] guids = new byte[32];
        new SecureRandom().nextBytes(guids);
        h.put(16, guids);
        h.putInt(4, 0);
        h.putInt(4, crc32c(next));
        long otherSlot = currentHeaderSlot == 64 * 1024 ? 128 * 1024 : 64 * 1024;
        file.write(otherSlot, ByteBuffer.wrap(next));
        file.flush();
        headersUpdated = true;
    }

    /** Whether the block holding {@code offset} has space in the file (for tests and diagnostics). */
    boolean allocated(long offset) {
        return (bat[batIndex(offset / blockSize)] & 7) == PAYLOAD_FULLY_PRESENT;
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

    private static int crc32c(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return (int) c.getValue();
    }

    private static boolean isZero(byte[] b, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
