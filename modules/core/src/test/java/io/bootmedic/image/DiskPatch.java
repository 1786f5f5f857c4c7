package io.bootmedic.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Builds hostile variants of tool-made images: patches a field, then recomputes the checksum that
 * covers it (GPT CRC-32, VHD ones' complement, VHDX CRC-32C) so the reader's field check is what
 * is reached, not just its checksum check.
 */
final class DiskPatch {
    private DiskPatch() {
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] read(Path file, long at, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[n];
            f.seek(at);
            f.readFully(b);
            return b;
        }
    }

    static void write(Path file, long at, byte[] b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            f.write(b);
        }
    }

    /** GPT: header CRC over HeaderSize bytes with the CRC field zeroed. */
    static void gptHeaderCrc(byte[] header) {
        ByteBuffer h = le(header);
        int size = h.getInt(12);
        if (size < 0 || size > header.length) {
            return; // a mutated HeaderSize: there is nothing sensible to checksum
        }
        h.putInt(16, 0);
        CRC32 c = new CRC32();
        c.update(header, 0, size);
        h.putInt(16, (int) c.getValue());
    }

    /**
     * Edits the entry array and header of the GPT at {@code lba} (sector size {@code sector}) of a
     * disk held in memory, then recomputes both CRCs.
     */
    static void gpt(byte[] disk, long lba, int sector, Consumer<ByteBuffer> entries, Consumer<ByteBuffer> header) {
        int at = (int) (lba * sector);
        ByteBuffer h = ByteBuffer.wrap(disk, at, sector).slice().order(ByteOrder.LITTLE_ENDIAN);
        int entriesAt = (int) (h.getLong(72) * sector);
        int bytes = h.getInt(80) * h.getInt(84);
        entries.accept(ByteBuffer.wrap(disk, entriesAt, bytes).slice().order(ByteOrder.LITTLE_ENDIAN));
        CRC32 c = new CRC32();
        c.update(disk, entriesAt, bytes);
        h.putInt(88, (int) c.getValue());
        header.accept(h);
        byte[] copy = new byte[sector];
        System.arraycopy(disk, at, copy, 0, sector);
        gptHeaderCrc(copy);
        System.arraycopy(copy, 0, disk, at, sector);
    }

    /** The same on a disk file: both the primary (LBA 1) and the backup (last LBA) are edited alike. */
    static void gptFile(Path file, int sector, Consumer<ByteBuffer> entries) throws IOException {
        long size = Files.size(file);
        for (long lba : new long[]{1, size / sector - 1}) {
            byte[] h = read(file, lba * sector, sector);
            long entriesLba = le(h).getLong(72);
            int bytes = le(h).getInt(80) * le(h).getInt(84);
            byte[] e = read(file, entriesLba * sector, bytes);
            entries.accept(le(e));
            write(file, entriesLba * sector, e);
            CRC32 c = new CRC32();
            c.update(e);
            le(h).putInt(88, (int) c.getValue());
            gptHeaderCrc(h);
            write(file, lba * sector, h);
        }
    }

    /** VHD: ones' complement of the byte sum with the checksum field skipped, big-endian. */
    static void vhdChecksum(byte[] structure, int checksumAt) {
        int sum = 0;
        for (int i = 0; i < structure.length; i++) {
            if (i < checksumAt || i >= checksumAt + 4) {
                sum += structure[i] & 0xFF;
            }
        }
        ByteBuffer.wrap(structure).putInt(checksumAt, ~sum);
    }

    /** VHDX: CRC-32C over the whole structure with the checksum field (offset 4) zeroed. */
    static void vhdxCrc(byte[] structure) {
        ByteBuffer b = le(structure);
        b.putInt(4, 0);
        CRC32C c = new CRC32C();
        c.update(structure);
        b.putInt(4, (int) c.getValue());
    }
}
