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

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            long first = offset - offset % sector;
            int skip = (int) (offset - first);
            if (skip == 0 && dst.remaining() >= sector && !special(first)) {
                offset += readRun(first, dst);
                continue;
            }
            int n = Math.min(dst.remaining(), sector - skip);
            byte[] plain = sectorPlain(first);
            dst.put(plain, skip, n);
            offset += n;
        }
    }

    /** Whole sectors that need no remapping: read in one go (up to 1 MiB), decrypt each in place. */
    private int readRun(long first, ByteBuffer dst) throws IOException {
        int max = Math.min(dst.remaining() / sector, (1 << 20) / sector);
        int count = 1;
        while (count < max && !special(first + (long) count * sector)) {
            count++;
        }
        int bytes = count * sector;
        byte[] buf = buffer(bytes);
        raw.read(first, ByteBuffer.wrap(buf, 0, bytes));
        try {
            long encryptedEnd = Math.min(md.encryptedSize, first + bytes);
            int encrypted = encryptedEnd <= first ? 0 : (int) ((encryptedEnd - first) / sector);
            if (encrypted > 0) {
                cipher.decryptSectors(buf, 0, encrypted, sector, first);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("decrypting " + raw.describe() + " at " + first + " failed: " + e.getMessage(), e);
        }
        dst.put(buf, 0, bytes);
        return bytes;
    }

    /** Sectors read as zeros or from elsewhere take the slow path. */
    private boolean special(long logical) {
        return logical < headerSize || zero(logical);
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
            int n = Math.min(src.remaining(), sector - skip);
            if (zero(first)) {
                throw new IOException("refusing a write into BitLocker's own metadata area at byte " + first + " of " + raw.describe());
            }
            byte[] buf = sectorPlain(first).clone();
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
