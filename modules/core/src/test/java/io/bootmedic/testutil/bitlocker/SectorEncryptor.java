package io.bootmedic.testutil.bitlocker;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts sectors the way BitLocker does, written for the test fixtures from the format description
 * alone (bootmedic's own {@code SectorCipher} is not used, so the two can disagree and be caught):
 * XTS-AES with the sector number as tweak (Windows 10), AES-CBC with IV = AES_K(byte offset)
 * (Windows 8) and AES-CBC after the Elephant diffuser (Vista/7).
 */
public abstract class SectorEncryptor {

    /** Encrypts one sector in place; {@code byteOffset} is its position from the start of the volume. */
    public abstract void encrypt(byte[] sector, int off, int length, long byteOffset) throws GeneralSecurityException;

    public static SectorEncryptor xts(byte[] dataKey, byte[] tweakKey, int sectorSize) throws GeneralSecurityException {
        return new Xts(dataKey, tweakKey, sectorSize);
    }

    public static SectorEncryptor cbc(byte[] key) throws GeneralSecurityException {
        return new Cbc(key);
    }

    public static SectorEncryptor elephant(byte[] key, byte[] tweakKey) throws GeneralSecurityException {
        return new Elephant(key, tweakKey);
    }

    static Cipher ecb(byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        return c;
    }

    /** A 16-byte block holding {@code v} little-endian in its first 8 bytes. */
    static byte[] le128(long v) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** IEEE P1619 XTS-AES, one data unit per sector, tweak = sector number (little-endian, 128 bits). */
    private static final class Xts extends SectorEncryptor {
        private final Cipher data;
        private final Cipher tweak;
        private final int sectorSize;

        Xts(byte[] dataKey, byte[] tweakKey, int sectorSize) throws GeneralSecurityException {
            data = ecb(dataKey);
            tweak = ecb(tweakKey);
            this.sectorSize = sectorSize;
        }

        @Override
        public void encrypt(byte[] s, int off, int length, long byteOffset) throws GeneralSecurityException {
            if (length % 16 != 0) {
                throw new IllegalArgumentException("sector length " + length);
            }
            byte[] t = tweak.doFinal(le128(byteOffset / sectorSize));
            byte[] pads = new byte[length];
            for (int j = 0; j < length; j += 16) {
                System.arraycopy(t, 0, pads, j, 16);
                // multiply by alpha in GF(2^128), little-endian byte order
                int carry = 0;
                for (int k = 0; k < 16; k++) {
                    int v = t[k] & 0xFF;
                    t[k] = (byte) ((v << 1) | carry);
                    carry = v >>> 7;
                }
                if (carry != 0) {
                    t[0] ^= (byte) 0x87;
                }
            }
            for (int i = 0; i < length; i++) {
                s[off + i] ^= pads[i];
            }
            data.doFinal(s, off, length, s, off);
            for (int i = 0; i < length; i++) {
                s[off + i] ^= pads[i];
            }
        }
    }

    private static class Cbc extends SectorEncryptor {
        private final SecretKeySpec key;
        private final Cipher iv;
        private final Cipher cbc;

        Cbc(byte[] k) throws GeneralSecurityException {
            key = new SecretKeySpec(k, "AES");
            iv = ecb(k);
            cbc = Cipher.getInstance("AES/CBC/NoPadding");
        }

        @Override
        public void encrypt(byte[] s, int off, int length, long byteOffset) throws GeneralSecurityException {
            cbc.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv.doFinal(le128(byteOffset))));
            cbc.doFinal(s, off, length, s, off);
        }
    }

    /**
     * Ferguson's "AES-CBC + Elephant diffuser" (2006): XOR with the sector key (two AES blocks of the
     * tweak key over the offset, the second with its top byte 0x80), diffuser A then diffuser B run in
     * their encryption direction, then AES-CBC as above.
     */
    private static final class Elephant extends Cbc {
        private static final int[] RA = {9, 0, 13, 0};
        private static final int[] RB = {0, 10, 0, 25};
        private final Cipher tweak;

        Elephant(byte[] k, byte[] tweakKey) throws GeneralSecurityException {
            super(k);
            tweak = ecb(tweakKey);
        }

        @Override
        public void encrypt(byte[] s, int off, int length, long byteOffset) throws GeneralSecurityException {
            byte[] block = le128(byteOffset);
            byte[] sectorKey = new byte[32];
            System.arraycopy(tweak.doFinal(block), 0, sectorKey, 0, 16);
            block[15] = (byte) 0x80;
            System.arraycopy(tweak.doFinal(block), 0, sectorKey, 16, 16);
            for (int i = 0; i < length; i++) {
                s[off + i] ^= sectorKey[i % 32];
            }
            int n = length / 4;
            int[] d = new int[n];
            for (int i = 0; i < n; i++) {
                d[i] = (s[off + 4 * i] & 0xFF) | (s[off + 4 * i + 1] & 0xFF) << 8 | (s[off + 4 * i + 2] & 0xFF) << 16 | (s[off + 4 * i + 3] & 0xFF) << 24;
            }
            // diffuser A, encryption direction: 5 cycles, i from n-1 down to 0, d[i] -= d[i-2] ^ (d[i-5] <<< RA[i mod 4])
            for (int cycle = 0; cycle < 5; cycle++) {
                for (int i = n - 1; i >= 0; i--) {
                    d[i] -= d[Math.floorMod(i - 2, n)] ^ Integer.rotateLeft(d[Math.floorMod(i - 5, n)], RA[i % 4]);
                }
            }
            // diffuser B, encryption direction: 3 cycles, d[i] -= d[i+2] ^ (d[i+5] <<< RB[i mod 4])
            for (int cycle = 0; cycle < 3; cycle++) {
                for (int i = n - 1; i >= 0; i--) {
                    d[i] -= d[(i + 2) % n] ^ Integer.rotateLeft(d[(i + 5) % n], RB[i % 4]);
                }
            }
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < 4; b++) {
                    s[off + 4 * i + b] = (byte) (d[i] >>> (8 * b));
                }
            }
            super.encrypt(s, off, length, byteOffset);
        }
    }
}
