package io.bootmedic.bitlocker;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The decrypted view of an unlocked BitLocker volume, for reading and writing. As Windows lays it
 * out: the file system's first sectors live at the relocated header location (and are encrypted
 * with that location's IV), BitLocker's own areas (the three metadata areas, the relocated header
 * area, the encrypt-on-write map and its conversion logs) read as zeros, and which stored sectors
 * are encrypted follows the conversion: all of them; those below the encrypted size of a classic
 * conversion paused part way; the chunks the encrypt-on-write map marks in a used-space-only
 * conversion; none of a volume Windows finished decrypting. Writes keep each sector as it is
 * stored: encrypted where it is encrypted, plain where it is plain.
 */
public final class BitLockerBlockDevice extends io.bootmedic.image.block.StackedBlockDevice {
    private final BlockDevice raw;
    private final BitLockerMetadata md;
    /** null for a decrypted volume: nothing is encrypted. */
    private final SectorCipher cipher;
    private final int sector;
    private final long headerSize;
    /** Sorted [start, end) ranges that read as zeros and refuse writes. */
    private final long[][] reserved;
    /** Reads and writes go to the raw device this many bytes at a time at most. */
    private static final int RUN = 1 << 20;
    private byte[] buffer = new byte[0];

    public BitLockerBlockDevice(BlockDevice raw, BitLockerMetadata md, byte[] fvek) throws IOException {
        super(raw, false); // the encrypted device is closed by whoever opened it
        this.raw = raw;
        this.md = md;
        String name = raw.describe();
        if (md.state == FveState.SWITCHING_DIRTY) {
            throw new BitLockerFormatException(name + ": Windows was stopped in the middle of converting a part of this BitLocker volume "
                    + "(state 2, its conversion log holds that part's old bytes); bootmedic cannot tell those bytes apart and does not open it. "
                    + "Start Windows on it once so it can finish the step; nothing was written.");
        }
        if (md.state == FveState.UNKNOWN || md.nextState == FveState.UNKNOWN) {
            throw new BitLockerFormatException(name + ": the BitLocker metadata records a conversion state bootmedic does not know; "
                    + "which parts are encrypted cannot be told, so the volume is not opened; nothing was written.");
        }
        if (md.conversionInProgress && md.eow == null && !md.decrypted()) {
            throw eowRefused(name, "its map of which parts are already encrypted is damaged: " + md.eowProblem);
        }
        this.cipher = md.decrypted() ? null : SectorCipher.forMethod(md.method, fvek);
        this.sector = md.sectorSize;
        this.headerSize = md.headerSize;
        if (md.headerOffset <= 0 || headerSize <= 0 || headerSize % sector != 0 || md.headerOffset % sector != 0
                || md.headerOffset > raw.size() - headerSize) {
            throw new BitLockerFormatException(name + ": the relocated boot sectors lie outside the volume; the metadata is damaged");
        }
        List<long[]> areas = new ArrayList<>();
        for (long m : md.metadataOffsets) {
            if (m > Long.MAX_VALUE - BitLockerMetadata.METADATA_AREA) {
                throw new BitLockerFormatException(name + ": a metadata area offset (" + m + ") is impossible; the metadata is damaged");
            }
            areas.add(new long[]{m, m + BitLockerMetadata.METADATA_AREA});
        }
        areas.add(new long[]{md.headerOffset, md.headerOffset + headerSize});
        if (md.eow != null && cipher != null) {
            // every stored byte this device can touch must be in a region, checked now, before anything is written
            long gap = md.eow.firstUncovered(md.headerOffset, md.headerOffset + headerSize);
            gap = gap >= 0 ? gap : md.eow.firstUncovered(headerSize, raw.size());
            if (gap >= 0) {
                throw eowRefused(name, "its map of which parts are already encrypted leaves byte " + gap + " in no region (the relocated boot "
                        + "sectors are " + headerSize + " bytes at byte " + md.headerOffset + ")");
            }
        }
        if (md.eow != null) {
            areas.addAll(md.eow.reserved);
        }
        areas.sort(Comparator.comparingLong(a -> a[0]));
        this.reserved = areas.toArray(new long[0][]);
    }

    /** The one-line refusal of a volume whose used-space-only conversion map cannot be trusted. */
    private static BitLockerFormatException eowRefused(String name, String problem) {
        return new BitLockerFormatException(name + ": Windows was converting this BitLocker volume in used-space-only (encrypt-on-write) mode, and "
                + problem + ". Plain and encrypted parts cannot be told apart, so the volume was not opened and nothing was written. Start this "
                + "machine in Windows or WinRE, unlock the volume there and let BitLocker finish the conversion (manage-bde -resume; "
                + "manage-bde -status shows it), then run bootmedic again.");
    }

    /** A volume Windows finished decrypting: read and written plain, no key. */
    public static BitLockerBlockDevice decrypted(BlockDevice raw, BitLockerMetadata md) throws IOException {
        if (!md.decrypted()) {
            throw new IllegalArgumentException("not a decrypted volume");
        }
        return new BitLockerBlockDevice(raw, md, null);
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

    private boolean zero(long logical) {
        for (long[] r : reserved) {
            if (logical >= r[0] && logical < r[1]) {
                return true;
            }
        }
        return false;
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
        for (long[] r : reserved) {
            end = boundary(logical, end, r[0], r[1]);
        }
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

    /** Whether the sector stored at {@code phys} is encrypted. */
    private boolean encryptedAt(long phys) throws BitLockerFormatException {
        if (cipher == null) {
            return false;
        }
        if (md.eow != null) {
            return md.eow.encrypted(phys);
        }
        return phys < md.encryptedSize;
    }

    /** How many of {@code count} sectors stored from {@code phys} on are in the same state (encrypted or plain) as the first: at least one. */
    private int sameState(long phys, int count) {
        long end;
        if (cipher == null) {
            return count;
        } else if (md.eow != null) {
            end = md.eow.chunkEnd(phys);
        } else {
            end = phys < md.encryptedSize ? md.encryptedSize : Long.MAX_VALUE;
        }
        long n = (end - phys + sector - 1) / sector;
        return (int) Math.max(1, Math.min(count, n));
    }

    /** Decrypts (or encrypts) the {@code count} sectors in {@code buf} stored from {@code phys} on, run by run, the plain runs left alone. */
    private void crypt(boolean decrypt, byte[] buf, int at, int count, long phys) throws IOException {
        for (int i = 0; i < count; ) {
            long p = phys + (long) i * sector;
            int n = sameState(p, count - i);
            if (encryptedAt(p)) {
                try {
                    if (decrypt) {
                        cipher.decryptSectors(buf, at + i * sector, n, sector, p);
                    } else {
                        cipher.encryptSectors(buf, at + i * sector, n, sector, p);
                    }
                } catch (GeneralSecurityException e) {
                    throw new IOException((decrypt ? "decrypting " : "encrypting ") + raw.describe() + " at byte " + p + " failed ("
                            + ErrorWords.reason(e) + ")", e);
                }
            }
            i += n;
        }
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
        crypt(true, buf, at, count, phys);
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
        crypt(true, buf, 0, 1, phys);
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
            crypt(false, buf, 0, 1, phys);
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
        crypt(false, buf, 0, count, phys);
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
    public String describe() {
        return raw.describe() + (md.decrypted() ? " (BitLocker, decrypted)" : " (BitLocker, unlocked)");
    }
}
