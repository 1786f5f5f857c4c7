package io.bootmedic.bitlocker;

import io.bootmedic.image.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * The decrypted view of an unlocked BitLocker volume, for reading and writing. As Windows lays it
 * out: the file system's first sectors live at the relocated header location (and are encrypted
 * with that location's IV), the three metadata areas and the relocated header area read as zeros,
 * and sectors beyond the encrypted size of a partly encrypted volume are plain.
 */
public final class BitLockerBlockDevice implements BlockDevice {
    private final BlockDevice raw;
    private final BitLockerMetadata md;
    private final SectorCipher cipher;
    private final int sector;
    private final long headerSize;
    /** Reads and writes go to the raw device this many bytes at a time at most. */
    private static final int RUN = 1 << 20;
    private byte[] buffer = new byte[0];

    public BitLockerBlockDevice(BlockDevice raw, BitLockerMetadata md, byte[] fvek) throws BitLockerException {
        this.raw = raw;
        this.md = md;
        this.cipher = SectorCipher.forMethod(md.method, fvek);
        this.sector = md.sectorSize;
        this.headerSize = md.headerSize > 0 ? md.headerSize : 8192;
        if (md.headerOffset <= 0 || md.headerOffset + headerSize > raw.size() || headerSize % sector != 0) {
            throw new BitLockerException(raw.describe() + ": the relocated boot sectors lie outside the volume; the metadata is damaged");
        }
    }

    public BitLockerMetadata metadata() {
        return md;
    }

    @Override
    public long size() {
        return raw.size();
    }

    @Override
    public int sectorSize() {
        return sector;
    }

    @Override
    public boolean isReadOnly() {
        return raw.isReadOnly();
    }

    private boolean zero(long logical) {
        for (long m : md.metadataOffsets) {
            if (logical >= m && logical < m + BitLockerMetadata.METADATA_AREA) {
                return true;
            }
        }
        return logical >= md.headerOffset && logical < md.headerOffset + headerSize;
    }

    /** Where a logical sector is stored: the first sectors were moved to the relocated header location. */
    private long physical(long logical) {
        return logical < headerSize ? md.headerOffset + logical : logical;
    }

    /**
     * How many bytes from sector-aligned {@code logical} on are all of one kind, so that one read or
     * write can cover them: all zeros (the metadata areas, the relocated header area) or all stored
     * contiguously (from {@link #physical} of the first one on).
     */
    private long extent(long logical) {
        long end = size();
        if (logical < headerSize) {
            end = Math.min(end, headerSize);
        }
        for (long m : md.metadataOffsets) {
            end = boundary(logical, end, m, m + BitLockerMetadata.METADATA_AREA);
        }
        end = boundary(logical, end, md.headerOffset, md.headerOffset + headerSize);
        return end - logical;
    }

    /** Shortens {@code end} to where [start, stop) begins (outside it) or ends (inside it). */
    private static long boundary(long logical, long end, long start, long stop) {
        if (logical < start) {
            return Math.min(end, start);
        }
        if (logical < stop) {
            return Math.min(end, stop);
        }
        return end;
    }

    /** How many of {@code count} sectors stored from {@code phys} on lie below the encrypted size (the rest are plain). */
    private int encryptedSectors(long phys, int count) {
        if (phys >= md.encryptedSize) {
            return 0;
        }
        long below = (md.encryptedSize - phys + sector - 1) / sector;
        return (int) Math.min(count, below);
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            long first = offset - offset % sector;
            int skip = (int) (offset - first);
            if (skip == 0 && dst.remaining() >= sector) {
                int done = readRun(first, dst);
                if (done > 0) {
                    offset += done;
                    continue;
                }
            }
            int n = Math.min(dst.remaining(), sector - skip);
            byte[] plain = sectorPlain(first);
            dst.put(plain, skip, n);
            offset += n;
        }
    }

    /**
     * Whole sectors of one extent, up to {@link #RUN} bytes: read in one call, decrypted in one
     * call. A heap buffer is filled and decrypted in place, anything else through our buffer.
     */
    private int readRun(long first, ByteBuffer dst) throws IOException {
        long available = Math.min(extent(first), dst.remaining());
        int count = (int) (Math.min(available, RUN) / sector);
        int bytes = count * sector;
        if (bytes == 0) {
            return 0; // an area boundary inside this sector: the sector-by-sector path decides
        }
        if (zero(first)) {
            if (dst.hasArray()) {
                int at = dst.arrayOffset() + dst.position();
                java.util.Arrays.fill(dst.array(), at, at + bytes, (byte) 0);
                dst.position(dst.position() + bytes);
            } else {
                byte[] buf = buffer(bytes);
                java.util.Arrays.fill(buf, 0, bytes, (byte) 0);
                dst.put(buf, 0, bytes);
            }
            return bytes;
        }
        long phys = physical(first);
        byte[] buf;
        int at;
        boolean direct = dst.hasArray();
        if (direct) {
            buf = dst.array();
            at = dst.arrayOffset() + dst.position();
            ByteBuffer part = dst.duplicate();
            part.limit(part.position() + bytes);
            raw.read(phys, part);
        } else {
            buf = buffer(bytes);
            at = 0;
            raw.read(phys, ByteBuffer.wrap(buf, 0, bytes));
        }
        int encrypted = encryptedSectors(phys, count);
        if (encrypted > 0) {
            try {
                cipher.decryptSectors(buf, at, encrypted, sector, phys);
            } catch (GeneralSecurityException e) {
                throw new IOException("decrypting " + raw.describe() + " at " + phys + " failed: " + e.getMessage(), e);
            }
        }
        if (direct) {
            dst.position(dst.position() + bytes);
        } else {
            dst.put(buf, 0, bytes);
        }
        return bytes;
    }

    private byte[] sectorPlain(long logical) throws IOException {
        byte[] buf = buffer(sector);
        if (zero(logical)) {
            java.util.Arrays.fill(buf, 0, sector, (byte) 0);
            return buf;
        }
        long phys = physical(logical);
        raw.read(phys, ByteBuffer.wrap(buf, 0, sector));
        if (phys < md.encryptedSize) {
            try {
                cipher.decrypt(buf, 0, sector, phys / sector, phys);
            } catch (GeneralSecurityException e) {
                throw new IOException("decrypting sector at " + phys + " of " + raw.describe() + " failed: " + e.getMessage(), e);
            }
        }
        return buf;
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        checkRange(offset, src.remaining());
        while (src.hasRemaining()) {
            long first = offset - offset % sector;
            int skip = (int) (offset - first);
            if (zero(first)) {
                throw new IOException("refusing a write into BitLocker's own metadata area at byte " + first + " of " + raw.describe());
            }
            if (skip == 0 && src.remaining() >= sector) {
                int done = writeRun(first, src);
                if (done > 0) {
                    offset += done;
                    continue;
                }
            }
            // a partial sector: read, patch, encrypt, write back
            int n = Math.min(src.remaining(), sector - skip);
            byte[] buf = sectorPlain(first);
            src.get(buf, skip, n);
            long phys = physical(first);
            if (phys < md.encryptedSize) {
                try {
                    cipher.encrypt(buf, 0, sector, phys / sector, phys);
                } catch (GeneralSecurityException e) {
                    throw new IOException("encrypting sector at " + phys + " failed: " + e.getMessage(), e);
                }
            }
            raw.write(phys, ByteBuffer.wrap(buf, 0, sector));
            offset += n;
        }
    }

    /** Whole sectors of one stored extent: copied (the caller's buffer stays as it was), encrypted below the encrypted size, written in one call. */
    private int writeRun(long first, ByteBuffer src) throws IOException {
        long available = Math.min(extent(first), src.remaining());
        int count = (int) (Math.min(available, RUN) / sector);
        int bytes = count * sector;
        if (bytes == 0) {
            return 0;
        }
        long phys = physical(first);
        byte[] buf = buffer(bytes);
        src.get(buf, 0, bytes);
        int encrypted = encryptedSectors(phys, count);
        if (encrypted > 0) {
            try {
                cipher.encryptSectors(buf, 0, encrypted, sector, phys);
            } catch (GeneralSecurityException e) {
                throw new IOException("encrypting " + raw.describe() + " at " + phys + " failed: " + e.getMessage(), e);
            }
        }
        raw.write(phys, ByteBuffer.wrap(buf, 0, bytes));
        return bytes;
    }

    private byte[] buffer(int size) {
        if (buffer.length < size) {
            buffer = new byte[size];
        }
        return buffer;
    }

    @Override
    public void flush() throws IOException {
        raw.flush();
    }

    @Override
    public String describe() {
        return raw.describe() + " (BitLocker, unlocked)";
    }

    /** The encrypted device is closed by whoever opened it. */
    @Override
    public void close() {
    }
}
