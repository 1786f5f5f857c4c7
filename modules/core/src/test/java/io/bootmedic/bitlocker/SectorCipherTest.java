package io.bootmedic.bitlocker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fast sector cipher against the straightforward one it replaced ({@link ReferenceSectorCipher},
 * which decrypts the 19 Windows-made volumes to their known SHA-256): random keys, random data,
 * both sector sizes, runs that cross the internal chunk size, offsets far into a big volume.
 */
class SectorCipherTest {
    private static final int[] METHODS = {0x8000, 0x8001, 0x8002, 0x8003, 0x8004, 0x8005};

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void batchAndSingleSectorPathsAgreeWithTheReferenceBothWays(int sectorSize) throws Exception {
        Random r = new Random(sectorSize);
        for (int method : METHODS) {
            byte[] fvek = new byte[64];
            r.nextBytes(fvek);
            SectorCipher fast = SectorCipher.forMethod(method, fvek);
            ReferenceSectorCipher ref = ReferenceSectorCipher.forMethod(method, fvek);
            int perChunk = SectorCipher.perChunk(sectorSize);
            for (int count : new int[]{1, 2, perChunk - 1, perChunk, perChunk + 1, 2 * perChunk + 3}) {
                // a sector number above 2^32 checks that the tweak and IV carry all 64 bits
                long first = (count % 2 == 0 ? 0x1_2345_6789L : 17L) * sectorSize;
                int pad = 7; // the run does not start at index 0 of its array
                byte[] plain = new byte[pad + count * sectorSize + 5];
                r.nextBytes(plain);
                String what = String.format("method 0x%04X, %d sectors of %d at %d", method, count, sectorSize, first);

                byte[] expectedCipher = plain.clone();
                for (int i = 0; i < count; i++) {
                    long at = first + (long) i * sectorSize;
                    ref.encrypt(expectedCipher, pad + i * sectorSize, sectorSize, at / sectorSize, at);
                }
                byte[] batch = plain.clone();
                fast.encryptSectors(batch, pad, count, sectorSize, first);
                assertArrayEquals(expectedCipher, batch, "encryptSectors, " + what);

                byte[] single = plain.clone();
                for (int i = 0; i < count; i++) {
                    long at = first + (long) i * sectorSize;
                    fast.encrypt(single, pad + i * sectorSize, sectorSize, at / sectorSize, at);
                }
                assertArrayEquals(expectedCipher, single, "encrypt per sector, " + what);

                // decrypt random bytes too: the reference is an oracle for any input, not only our output
                byte[] noise = plain.clone();
                byte[] expectedPlain = noise.clone();
                ref.decryptSectors(expectedPlain, pad, count, sectorSize, first);
                fast.decryptSectors(noise, pad, count, sectorSize, first);
                assertArrayEquals(expectedPlain, noise, "decryptSectors of random bytes, " + what);

                fast.decryptSectors(batch, pad, count, sectorSize, first);
                assertArrayEquals(plain, batch, "round trip, " + what);
                for (int i = 0; i < count; i++) {
                    long at = first + (long) i * sectorSize;
                    fast.decrypt(single, pad + i * sectorSize, sectorSize, at / sectorSize, at);
                }
                assertArrayEquals(plain, single, "round trip per sector, " + what);
            }
        }
    }

    @Test
    void xtsOfIeee1619VectorsWithLongerDataUnits() throws Exception {
        // IEEE P1619 vector 4: key1 = 2718..., key2 = 3141..., data unit 0, 512 bytes 00..ff 00..ff
        byte[] keys = HexFormat.of().parseHex("27182818284590452353602874713526" + "31415926535897932384626433832795");
        byte[] p = new byte[512];
        for (int i = 0; i < 512; i++) {
            p[i] = (byte) i;
        }
        byte[] c = p.clone();
        SectorCipher xts = SectorCipher.forMethod(0x8004, keys);
        xts.encrypt(c, 0, 512, 0, 0);
        assertArrayEquals(HexFormat.of().parseHex("27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c"),
                java.util.Arrays.copyOf(c, 32), "first 32 bytes of vector 4");
        byte[] back = c.clone();
        xts.decrypt(back, 0, 512, 0, 0);
        assertArrayEquals(p, back);
    }

    @Test
    void dataUnitsThatAreNotWholeBlocksAreRefused() throws Exception {
        SectorCipher xts = SectorCipher.forMethod(0x8004, new byte[32]);
        assertThrows(GeneralSecurityException.class, () -> xts.encrypt(new byte[40], 0, 40, 0, 0));
        SectorCipher elephant = SectorCipher.forMethod(0x8000, new byte[64]);
        assertThrows(GeneralSecurityException.class, () -> elephant.decrypt(new byte[48], 0, 48, 0, 0));
    }
}
