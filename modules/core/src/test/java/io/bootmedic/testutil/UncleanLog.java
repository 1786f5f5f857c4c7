package io.bootmedic.testutil;

import io.bootmedic.fs.RelPath;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.ntfs.Extent;
import io.bootmedic.ntfs.NtfsFileTree;
import io.bootmedic.ntfs.NtfsVolume;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes an NTFS partition image look like a Windows 8+ volume that crashed. mkntfs leaves $LogFile
 * empty (all 0xFF); Windows keeps two restart pages at its start. This writes both, with the NTFS
 * client still in use and without the "volume is clean" flag: the state libntfs-3g refuses to write.
 */
public final class UncleanLog {
    private static final int PAGE = 4096;

    private UncleanLog() {
    }

    public static void make(Path partition) throws IOException {
        List<Extent> log;
        try (FileBlockDevice dev = FileBlockDevice.open(partition, false); NtfsVolume vol = NtfsVolume.open(dev, false)) {
            log = new NtfsFileTree(vol).extents(RelPath.of("$LogFile"));
        }
        long fileSize = log.stream().mapToLong(Extent::length).sum();
        if (log.get(0).length() < 2 * PAGE) {
            throw new IOException("$LogFile starts with a run shorter than two pages");
        }
        byte[] page = restartPage(fileSize);
        try (RandomAccessFile f = new RandomAccessFile(partition.toFile(), "rw")) {
            f.seek(log.get(0).offset());
            f.write(page);
            f.write(page);
        }
    }

    private static byte[] restartPage(long fileSize) {
        ByteBuffer p = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        int usaOfs = 0x1E;
        int usaCount = 1 + PAGE / 512;
        p.put(0, "RSTR".getBytes(StandardCharsets.US_ASCII));
        p.putShort(4, (short) usaOfs).putShort(6, (short) usaCount);
        p.putLong(8, 0).putInt(0x10, PAGE).putInt(0x14, PAGE);
        int ra = 0x30;
        p.putShort(0x18, (short) ra).putShort(0x1A, (short) 1).putShort(0x1C, (short) 1);
        int clientArray = 0x40;
        int clientRecord = 0xA0;
        p.putLong(ra, 0x1000);                      // current_lsn
        p.putShort(ra + 8, (short) 1);              // log_clients
        p.putShort(ra + 10, (short) 0xFFFF);        // client_free_list: empty
        p.putShort(ra + 12, (short) 0);             // client_in_use_list: client 0 (NTFS) still active
        p.putShort(ra + 14, (short) 0);             // flags: RESTART_VOLUME_IS_CLEAN not set
        int fileSizeBits = 64 - Long.numberOfLeadingZeros(fileSize);
        p.putInt(ra + 16, 64 - fileSizeBits + 3);   // seq_number_bits, as Windows derives it
        p.putShort(ra + 20, (short) (clientArray + clientRecord)); // restart_area_length
        p.putShort(ra + 22, (short) clientArray);
        p.putLong(ra + 24, fileSize);
        p.putInt(ra + 32, 0);
        p.putShort(ra + 36, (short) 0x30);          // log_record_header_length
        p.putShort(ra + 38, (short) 0x40);          // log_page_data_offset
        p.putInt(ra + 40, 1);
        int c = ra + clientArray;
        p.putLong(c, 0x1000).putLong(c + 8, 0x1000);
        p.putShort(c + 16, (short) 0xFFFF).putShort(c + 18, (short) 0xFFFF);
        p.putShort(c + 20, (short) 1);
        p.putInt(c + 28, 8);
        p.put(c + 32, "NTFS".getBytes(StandardCharsets.UTF_16LE));
        // multi-sector protection: the last two bytes of every sector carry the update sequence number
        short usn = 1;
        p.putShort(usaOfs, usn);
        for (int s = 0; s < PAGE / 512; s++) {
            int end = s * 512 + 510;
            p.putShort(usaOfs + 2 + 2 * s, p.getShort(end));
            p.putShort(end, usn);
        }
        return p.array();
    }
}
