package io.bootmedic.testutil.bitlocker;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster allocation bitmap of a plain NTFS image, read straight from the on-disk structures
 * (boot sector, MFT record 6 = $Bitmap, its $DATA runs) so the BitLocker builder can put its
 * metadata where NTFS holds nothing, and optionally mark those clusters in use (as Windows does
 * with its FVE2.{GUID} files) in the plaintext it encrypts, so that later writes through the
 * unlocked volume never land there. The input image itself is only read.
 */
public final class NtfsClusterMap {
    public final int bytesPerSector;
    public final int clusterSize;
    public final long totalSectors;
    public final long clusters;
    private final byte[] bitmap;
    /** Where the bitmap's bytes lie in the image: pairs of (image offset, length). */
    private final List<long[]> bitmapRuns;

    private NtfsClusterMap(int bytesPerSector, int clusterSize, long totalSectors, byte[] bitmap, List<long[]> runs) {
        this.bytesPerSector = bytesPerSector;
        this.clusterSize = clusterSize;
        this.totalSectors = totalSectors;
        this.clusters = totalSectors * bytesPerSector / clusterSize;
        this.bitmap = bitmap;
        this.bitmapRuns = runs;
    }

    public static NtfsClusterMap read(RandomAccessFile img) throws IOException {
        byte[] boot = new byte[512];
        img.seek(0);
        img.readFully(boot);
        ByteBuffer b = ByteBuffer.wrap(boot).order(ByteOrder.LITTLE_ENDIAN);
        if (!"NTFS    ".equals(new String(boot, 3, 8, StandardCharsets.US_ASCII))) {
            throw new IOException("not an NTFS image (no NTFS signature in its first sector)");
        }
        int bps = Short.toUnsignedInt(b.getShort(11));
        int spcRaw = boot[13] & 0xFF;
        int spc = spcRaw <= 0x80 ? spcRaw : 1 << (256 - spcRaw);
        int cluster = bps * spc;
        long totalSectors = b.getLong(40);
        long mftLcn = b.getLong(48);
        int perRecord = boot[64];
        int recordSize = perRecord > 0 ? perRecord * cluster : 1 << -perRecord;

        byte[] rec = new byte[recordSize];
        img.seek(mftLcn * cluster + 6L * recordSize);
        img.readFully(rec);
        ByteBuffer r = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
        if (!"FILE".equals(new String(rec, 0, 4, StandardCharsets.US_ASCII))) {
            throw new IOException("MFT record 6 ($Bitmap) has no FILE signature");
        }
        int usa = Short.toUnsignedInt(r.getShort(4));
        int usaCount = Short.toUnsignedInt(r.getShort(6));
        for (int i = 1; i < usaCount; i++) {
            int end = i * 512 - 2; // update sequence strides are 512 bytes, whatever the sector size
            if (r.getShort(end) != r.getShort(usa)) {
                throw new IOException("MFT record 6 fails its update sequence check");
            }
            r.putShort(end, r.getShort(usa + 2 * i));
        }
        int at = Short.toUnsignedInt(r.getShort(20));
        while (at + 8 <= recordSize) {
            int type = r.getInt(at);
            if (type == -1) {
                break;
            }
            int len = r.getInt(at + 4);
            if (type == 0x80 && rec[at + 9] == 0) { // unnamed $DATA
                if (rec[at + 8] == 0) {
                    throw new IOException("$Bitmap's data is resident; not expected on a real volume");
                }
                long dataSize = r.getLong(at + 48);
                List<long[]> runs = runs(rec, at + Short.toUnsignedInt(r.getShort(at + 32)), at + len, cluster, dataSize);
                byte[] bitmap = new byte[(int) dataSize];
                int pos = 0;
                for (long[] run : runs) {
                    img.seek(run[0]);
                    img.readFully(bitmap, pos, (int) run[1]);
                    pos += (int) run[1];
                }
                return new NtfsClusterMap(bps, cluster, totalSectors, bitmap, runs);
            }
            at += len;
        }
        throw new IOException("$Bitmap has no $DATA attribute");
    }

    /** Decodes a mapping-pairs array into (image offset, bytes) runs covering {@code size} bytes. */
    private static List<long[]> runs(byte[] rec, int at, int end, int cluster, long size) throws IOException {
        List<long[]> out = new ArrayList<>();
        long lcn = 0;
        long left = size;
        while (at < end && rec[at] != 0 && left > 0) {
            int header = rec[at] & 0xFF;
            int lenBytes = header & 0x0F;
            int offBytes = header >>> 4;
            long length = 0;
            for (int i = lenBytes - 1; i >= 0; i--) {
                length = (length << 8) | (rec[at + 1 + i] & 0xFF);
            }
            long delta = 0;
            for (int i = offBytes - 1; i >= 0; i--) {
                delta = (delta << 8) | (rec[at + 1 + lenBytes + i] & 0xFF);
            }
            if (offBytes > 0 && (rec[at + lenBytes + offBytes] & 0x80) != 0) {
                delta -= 1L << (8 * offBytes); // sign-extend
            }
            if (offBytes == 0) {
                throw new IOException("$Bitmap is sparse");
            }
            lcn += delta;
            long bytes = Math.min(length * cluster, left);
            out.add(new long[]{lcn * cluster, bytes});
            left -= bytes;
            at += 1 + lenBytes + offBytes;
        }
        if (left > 0) {
            throw new IOException("$Bitmap's runs end early");
        }
        return out;
    }

    public boolean inUse(long cluster) {
        return cluster >= clusters || (bitmap[(int) (cluster >>> 3)] & (1 << (cluster & 7))) != 0;
    }

    /** Whether every cluster touching [offset, offset + length) is free. */
    public boolean free(long offset, long length) {
        for (long c = offset / clusterSize; c <= (offset + length - 1) / clusterSize; c++) {
            if (inUse(c)) {
                return false;
            }
        }
        return true;
    }

    /** Marks the clusters of [offset, offset + length) in use (in this in-memory copy of the bitmap only). */
    public void reserve(long offset, long length) {
        for (long c = offset / clusterSize; c <= (offset + length - 1) / clusterSize; c++) {
            bitmap[(int) (c >>> 3)] |= (byte) (1 << (c & 7));
        }
    }

    /** Copies the (possibly reserved-into) bitmap over the bytes of {@code chunk}, which holds the image from {@code chunkOffset}. */
    public void patch(byte[] chunk, long chunkOffset, int chunkLength) {
        int pos = 0;
        for (long[] run : bitmapRuns) {
            long from = Math.max(run[0], chunkOffset);
            long to = Math.min(run[0] + run[1], chunkOffset + chunkLength);
            if (from < to) {
                System.arraycopy(bitmap, (int) (pos + from - run[0]), chunk, (int) (from - chunkOffset), (int) (to - from));
            }
            pos += (int) run[1];
        }
    }
}
