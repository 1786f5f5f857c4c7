package io.bootmedic.bitlocker;

import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.testutil.BitLockerImages;
import io.bootmedic.testutil.DeviceHash;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A volume whose encryption was paused part way: sectors below the metadata's "encrypted size" are
 * ciphertext, the rest plaintext. None of the Windows-made samples is in that state (the two with
 * the conversion GUID, {@code partially-encrypted-aes-cbc-128} and {@code aes-xts-128-eow}, record
 * state 4 "encrypted" and an encrypted size of the whole volume: they were caught in a used-space-only
 * conversion, whose FVE-EOW map the trimming zeroed, see WindowsMadeEdgeCasesTest), so the fixture is built from a
 * fully encrypted Windows volume: every stored sector from the boundary on is replaced by its
 * plaintext (BitLocker's own areas stay as they are), and all three metadata copies get the new
 * encrypted size, the state "encryption paused" (5, next state 4) and a recomputed CRC-32. The
 * metadata's SHA-256 validation (AES-CCM under the VMK) is not recomputed: neither bootmedic nor
 * dislocker checks it, Windows would.
 *
 * <p>Oracles: our reading of the whole volume must still have the SHA-256 cryptsetup published for
 * the Windows volume; after a write across the boundary it must equal the original plaintext with
 * the write applied, and the stored bytes must be the write's ciphertext exactly below the boundary
 * and its plaintext from it on. dislocker reads this state (it refuses only state 2, conversion
 * running), decrypts below the encrypted size and copies sectors from it on, as we do, but it
 * presents the volume only up to about the encrypted size (see {@link #dislockerAgrees}); so it is
 * the oracle for that prefix, which includes the first plain sectors, and the full-volume reference
 * is the published SHA-256 (our own full decryption of the untouched Windows volume).
 */
class PartiallyEncryptedTest {
    private static final int STATE_PAUSED = 5;
    private static final int STATE_ENCRYPTED = 4;
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, encrypted below byte {2}")
    @CsvSource({
            // half way: above the relocated boot sectors and two metadata copies, below the third
            "aes-xts-128, anaconda, 52430336, 674e3a976927fd62f3fc26df2c695cac75b8d364e3b45393717efa971f16db0f",
            // early: the relocated boot sectors and all metadata copies lie in the plain part
            "aes-cbc-128, anaconda, 20974080, 04500a8120ba355ed206284e03e26e59b7e1f1832868e1d69bb47023ebd3460f",
            "aes-cbc-elephant-128, anaconda, 104860160, b18e4f956295bc0f327e551322261fb9c74ac0d3ce58bf3b806e98474e1619ea",
            "aes-xts-128-4k, 486552-140030-675719-163900-264671-413787-580239-152614, 62918656, b4c0416ae643537207413ed78d4bcadae697bb86a6262864ac00afda01312277",
    })
    void readsAndWritesAcrossTheEncryptedSize(String image, String credential, long boundary, String sha) throws Exception {
        Path original = BitLockerImages.image(image);
        Path copy = tmp.resolve("partial.img");
        Files.copy(original, copy);
        try (FileBlockDevice origDev = FileBlockDevice.open(original, false);
             FileBlockDevice dev = FileBlockDevice.open(copy, true)) {
            BitLockerMetadata origMd = BitLockerMetadata.read(origDev);
            byte[] fvek = BitLockerTest.unlock(origMd, credential).fvek();
            BitLockerBlockDevice origPlain = new BitLockerBlockDevice(origDev, origMd, fvek);
            int sector = origMd.sectorSize;
            assertEquals(origDev.size(), origMd.encryptedSize, "the sample starts fully encrypted");
            assertEquals(0, boundary % sector);
            long headerSize = origMd.headerSize;
            assertFalse(boundary > origMd.headerOffset && boundary < origMd.headerOffset + headerSize, "boundary inside the relocated boot sectors");

            makePartiallyEncrypted(dev, origMd, origPlain, boundary);

            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertEquals(boundary, md.encryptedSize);
            assertEquals(1, md.usedCopy, "the rewritten copy 1 passes its CRC-32");
            BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, BitLockerTest.unlock(md, credential).fvek());

            // the fixture: stored plaintext from the boundary on, ciphertext below it
            assertArrayEquals(origPlain.read(boundary, sector), dev.read(boundary, sector), "first sector past the boundary is stored plain");
            assertFalse(Arrays.equals(origPlain.read(boundary - sector, sector), dev.read(boundary - sector, sector)), "last sector below it is not");

            // reads: the whole volume, and a read straddling the boundary at odd offsets
            assertEquals(sha, DeviceHash.sha256(plain), "our reading of the partly encrypted volume");
            assertArrayEquals(origPlain.read(boundary - 700, 1401), plain.read(boundary - 700, 1401));
            dislockerAgrees(dislocker(copy, credential), plain, boundary);

            // a write across the boundary: partial sector, whole sectors, the boundary, whole sectors, partial sector
            byte[] pattern = new byte[5 * sector + 1000];
            new Random(boundary).nextBytes(pattern);
            long at = boundary - 2L * sector - 301;
            plain.write(at, ByteBuffer.wrap(pattern));

            long first = at - at % sector;
            long end = (at + pattern.length + sector - 1) / sector * sector;
            byte[] expected = origPlain.read(first, (int) (end - first));
            System.arraycopy(pattern, 0, expected, (int) (at - first), pattern.length);
            byte[] stored = dev.read(first, (int) (end - first));
            int below = (int) (boundary - first);
            // above the boundary the bytes are stored as written
            assertArrayEquals(Arrays.copyOfRange(expected, below, expected.length), Arrays.copyOfRange(stored, below, stored.length));
            // below it, they are exactly the encryption of what was written, at those sectors
            byte[] encrypted = Arrays.copyOf(expected, below);
            SectorCipher.forMethod(md.method, fvek).encryptSectors(encrypted, 0, below / sector, sector, first);
            assertArrayEquals(encrypted, Arrays.copyOf(stored, below));

            String want = sha256Patched(origPlain, at, pattern);
            BitLockerBlockDevice reopened = new BitLockerBlockDevice(dev, BitLockerMetadata.read(dev), fvek);
            assertEquals(want, DeviceHash.sha256(reopened), "our reading after the write");
            dislockerAgrees(dislocker(copy, credential), reopened, boundary);
        }
    }

    @Test
    void theWindowsSamplesWithTheConversionGuidAreFullyEncrypted() throws Exception {
        for (String image : new String[]{"partially-encrypted-aes-cbc-128", "aes-xts-128-eow"}) {
            Path p = BitLockerImages.dir().resolve("bitlk-" + image + ".img");
            try (FileBlockDevice dev = FileBlockDevice.open(p, false)) {
                BitLockerMetadata md = BitLockerMetadata.read(dev);
                assertTrue(md.conversionInProgress, image);
                assertEquals(dev.size(), md.encryptedSize, image + ": no boundary to test against");
                assertEquals(STATE_ENCRYPTED, stateOf(dev, md.metadataOffsets[md.usedCopy - 1]), image);
            }
        }
    }

    /**
     * Stores every sector from {@code boundary} on as plaintext (BitLocker's own areas excepted), the
     * relocated boot sectors too when they lie there, then sets the encrypted size in all metadata copies.
     */
    static void makePartiallyEncrypted(FileBlockDevice dev, BitLockerMetadata md, BlockDevice origPlain, long boundary) throws Exception {
        int sector = md.sectorSize;
        int piece = 1 << 20;
        for (long off = boundary; off < dev.size(); off += piece) {
            int n = (int) Math.min(piece, dev.size() - off);
            byte[] raw = dev.read(off, n);
            byte[] plain = origPlain.read(off, n);
            for (int s = 0; s < n; s += sector) {
                if (!bitLockerArea(md, off + s)) {
                    System.arraycopy(plain, s, raw, s, sector);
                }
            }
            dev.write(off, ByteBuffer.wrap(raw));
        }
        if (md.headerOffset >= boundary) {
            dev.write(md.headerOffset, ByteBuffer.wrap(origPlain.read(0, (int) md.headerSize)));
        }
        for (long m : md.metadataOffsets) {
            byte[] block = dev.read(m, BitLockerMetadata.METADATA_AREA);
            ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            int blockSize = Short.toUnsignedInt(b.getShort(8)) << 4;
            b.putShort(12, (short) STATE_PAUSED);
            b.putShort(14, (short) STATE_ENCRYPTED);
            b.putLong(16, boundary);
            CRC32 crc = new CRC32();
            crc.update(block, 0, blockSize);
            b.putInt(blockSize + 4, (int) crc.getValue());
            dev.write(m, ByteBuffer.wrap(block, 0, blockSize + 8));
        }
    }

    private static boolean bitLockerArea(BitLockerMetadata md, long off) {
        for (long m : md.metadataOffsets) {
            if (off >= m && off < m + BitLockerMetadata.METADATA_AREA) {
                return true;
            }
        }
        return off >= md.headerOffset && off < md.headerOffset + md.headerSize;
    }

    private static int stateOf(BlockDevice dev, long metadataOffset) throws Exception {
        return Short.toUnsignedInt(ByteBuffer.wrap(dev.read(metadataOffset + 12, 2)).order(ByteOrder.LITTLE_ENDIAN).getShort());
    }

    private Path dislocker(Path image, String credential) throws Exception {
        Path out = tmp.resolve("dislocker-" + System.nanoTime() + ".raw");
        String secret = credential.matches("[0-9-]{55}") ? "-p" + credential : "-u" + credential;
        Tools.ok("dislocker-file", "-V", image.toString(), secret, "--", out.toString());
        return out;
    }

    /**
     * dislocker 0.7.3 takes the metadata's encrypted size for the size of the volume (prepare.c:
     * {@code volume_size = encrypted_volume_size}), so dislocker-file writes the volume only up to
     * about the boundary. What it does write must be what we read, and reach the boundary.
     */
    private static void dislockerAgrees(Path out, BlockDevice ours, long boundary) throws Exception {
        try (FileBlockDevice theirs = FileBlockDevice.open(out, false)) {
            long n = theirs.size();
            assertTrue(n >= boundary && n <= ours.size(), "dislocker wrote " + n + " bytes, the boundary is at " + boundary);
            assertEquals(sha256(theirs, n), sha256(ours, n), "dislocker's reading of the first " + n + " bytes");
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String sha256(BlockDevice d, long length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        int piece = 1 << 20;
        for (long off = 0; off < length; off += piece) {
            digest.update(d.read(off, (int) Math.min(piece, length - off)));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 of {@code base} with {@code patch} written at {@code at}. */
    private static String sha256Patched(BlockDevice base, long at, byte[] patch) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        int piece = 1 << 20;
        for (long off = 0; off < base.size(); off += piece) {
            int n = (int) Math.min(piece, base.size() - off);
            byte[] b = base.read(off, n);
            long from = Math.max(off, at);
            long to = Math.min(off + n, at + patch.length);
            if (from < to) {
                System.arraycopy(patch, (int) (from - at), b, (int) (from - off), (int) (to - from));
            }
            digest.update(b);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
