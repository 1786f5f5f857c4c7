package io.bootmedic.rescue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaidMetadataTest {
    private static final int SIZE = 64 * 1024;
    private static final byte[] IMSM = "Intel Raid ISM Cfg Sig. ".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** A disk in memory whose reader fails the test on any read outside the disk. */
    private static RaidMetadata.Reader strict(byte[] disk) {
        return (offset, length) -> {
            if (offset < 0 || length < 0 || offset + length > disk.length) {
                throw new AssertionError("read outside the disk: offset " + offset + " length " + length + " size " + disk.length);
            }
            return Arrays.copyOfRange(disk, (int) offset, (int) offset + length);
        };
    }

    private static Optional<RaidMetadata.Found> find(byte[] disk) throws IOException {
        return RaidMetadata.find(strict(disk), disk.length);
    }

    private static byte[] withImsmAt(int size, long at) {
        byte[] disk = new byte[size];
        System.arraycopy(IMSM, 0, disk, (int) at, IMSM.length);
        return disk;
    }

    private static byte[] withDdfAt(int size, long at, boolean bigEndian, String revision) {
        byte[] disk = new byte[size];
        byte[] sig = bigEndian ? new byte[]{(byte) 0xDE, 0x11, (byte) 0xDE, 0x11} : new byte[]{0x11, (byte) 0xDE, 0x11, (byte) 0xDE};
        System.arraycopy(sig, 0, disk, (int) at, 4);
        byte[] rev = revision.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(rev, 0, disk, (int) at + 32, rev.length);
        return disk;
    }

    @Test
    void imsmAnchorInTheSecondToLastSectorIsFound() throws IOException {
        Optional<RaidMetadata.Found> f = find(withImsmAt(SIZE, SIZE - 1024));
        assertEquals(RaidMetadata.Kind.IMSM, f.orElseThrow().kind());
        assertEquals(SIZE - 1024, f.get().offset());
    }

    @Test
    void imsmOnA4kNativeDisk() throws IOException {
        assertEquals(SIZE - 8192, find(withImsmAt(SIZE, SIZE - 8192)).orElseThrow().offset());
    }

    @Test
    void everyByteOfTheImsmSignatureMatters() throws IOException {
        for (int i = 0; i < IMSM.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] disk = withImsmAt(SIZE, SIZE - 1024);
                disk[SIZE - 1024 + i] ^= (byte) (1 << bit);
                assertTrue(find(disk).isEmpty(), "byte " + i + " bit " + bit + " flipped");
            }
        }
    }

    @Test
    void theImsmSignatureAnywhereElseIsNotAnAnchor() throws IOException {
        for (long at : new long[]{SIZE - 1024 - 1, SIZE - 1024 + 1, SIZE - 512, SIZE - 1536, SIZE - 2048, 0, 512, SIZE - 4096, SIZE - 8192 + 1}) {
            assertTrue(find(withImsmAt(SIZE, at)).isEmpty(), "signature at " + at);
        }
    }

    @Test
    void ddfAnchorInTheLastSectorEitherByteOrder() throws IOException {
        assertEquals(RaidMetadata.Kind.DDF, find(withDdfAt(SIZE, SIZE - 512, true, "02.00.00")).orElseThrow().kind());
        assertEquals(RaidMetadata.Kind.DDF, find(withDdfAt(SIZE, SIZE - 512, false, "01.00.00")).orElseThrow().kind());
        int big = 4 * SIZE;
        assertEquals(big - 257 * 512, find(withDdfAt(big, big - 257 * 512, true, "02.00.00")).orElseThrow().offset(), "older controllers");
        assertEquals(SIZE - 4096, find(withDdfAt(SIZE, SIZE - 4096, true, "02.00.00")).orElseThrow().offset(), "4Kn");
    }

    @Test
    void everyByteOfTheDdfSignatureAndRevisionMatters() throws IOException {
        for (int i = 0; i < 4; i++) {
            byte[] disk = withDdfAt(SIZE, SIZE - 512, true, "02.00.00");
            disk[SIZE - 512 + i] ^= 0x01;
            assertTrue(find(disk).isEmpty(), "signature byte " + i);
        }
        for (int i = 0; i < 8; i++) {
            byte[] disk = withDdfAt(SIZE, SIZE - 512, true, "02.00.00");
            disk[SIZE - 512 + 32 + i] = 'x';
            assertTrue(find(disk).isEmpty(), "revision byte " + i);
        }
        assertTrue(find(withDdfAt(SIZE, SIZE - 513, true, "02.00.00")).isEmpty(), "one byte early");
        assertTrue(find(withDdfAt(SIZE, SIZE - 1024, true, "02.00.00")).isEmpty(), "a sector early");
    }

    @Test
    void noReadLeavesTheDiskWhateverItsSize() throws IOException {
        Random random = new Random(26);
        for (int size = 0; size <= 9000; size += size < 1100 ? 1 : 97) {
            byte[] disk = new byte[size];
            random.nextBytes(disk);
            assertTrue(find(disk).isEmpty(), "random bytes, size " + size);
        }
        // a signature on a disk too small for the second-to-last sector: cut off, not read, not found
        for (int size : new int[]{0, 1, 23, 24, 511, 512, 1000, 1023}) {
            byte[] disk = new byte[size];
            System.arraycopy(IMSM, 0, disk, 0, Math.min(IMSM.length, size));
            assertTrue(find(disk).isEmpty(), "size " + size);
        }
    }

    @Test
    void theSmallestDiskWithAnAnchorIsFound() throws IOException {
        // 1024 bytes: the second-to-last sector is sector 0, and its signature fits
        assertEquals(0, find(withImsmAt(1024, 0)).orElseThrow().offset());
        assertFalse(RaidMetadata.fits(-1, 24, 1024));
        assertFalse(RaidMetadata.fits(1001, 24, 1024));
        assertTrue(RaidMetadata.fits(1000, 24, 1024));
        assertFalse(RaidMetadata.fits(0, 24, 0));
        assertFalse(RaidMetadata.fits(Long.MAX_VALUE, 24, Long.MAX_VALUE), "no overflow near the top");
        // a negative size (a corrupt report from below) must not wrap round into a read far away
        for (long size : new long[]{-1, -1024, Long.MIN_VALUE, Long.MIN_VALUE + 1024}) {
            assertTrue(RaidMetadata.find((offset, length) -> {
                throw new AssertionError("read at " + offset + " of a disk of " + size + " bytes");
            }, size).isEmpty(), "size " + size);
        }
    }

    @Test
    void aFileIsReadReadOnlyAndItsOwnLengthWins() throws IOException {
        Path img = tmp.resolve("member.img");
        Files.write(img, withImsmAt(SIZE, SIZE - 1024));
        img.toFile().setWritable(false);
        assertEquals(RaidMetadata.Kind.IMSM, RaidMetadata.find(img, 12345).orElseThrow().kind(), "a regular file's length, not the size passed");
        Path plain = tmp.resolve("plain.img");
        Files.write(plain, new byte[SIZE]);
        assertTrue(RaidMetadata.find(plain, SIZE).isEmpty());
    }
}
