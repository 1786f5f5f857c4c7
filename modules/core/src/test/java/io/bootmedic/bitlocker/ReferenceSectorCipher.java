package io.bootmedic.bitlocker;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The straightforward sector cipher this package shipped before the fast one: an oracle for {@link SectorCipherTest}. */
abstract class ReferenceSectorCipher {

    /** Decrypts or encrypts {@code length} bytes of {@code data} in place as one sector whose IV index is {@code ivSector}. */
    abstract void decrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException;

    abstract void encrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException;

    /** Decrypts {@code count} consecutive sectors in place; ciphers that can, do it in one pass. */
    void decryptSectors(byte[] data, int off, int count, int sectorSize, long firstByteOffset) throws GeneralSecurityException {
        for (int i = 0; i < count; i++) {
            long at = firstByteOffset + (long) i * sectorSize;
            decrypt(data, off + i * sectorSize, sectorSize, at / sectorSize, at);
        }
    }

    static ReferenceSectorCipher forMethod(int method, byte[] fvek) throws BitLockerException {
        try {
            return switch (method) {
                case 0x8004 -> new Xts(Arrays.copyOfRange(fvek, 0, 16), Arrays.copyOfRange(fvek, 16, 32));
                case 0x8005 -> new Xts(Arrays.copyOfRange(fvek, 0, 32), Arrays.copyOfRange(fvek, 32, 64));
                case 0x8002 -> new Cbc(Arrays.copyOfRange(fvek, 0, 16));
                case 0x8003 -> new Cbc(Arrays.copyOfRange(fvek, 0, 32));
                case 0x8000 -> new Elephant(Arrays.copyOfRange(fvek, 0, 16), Arrays.copyOfRange(fvek, 32, 48));
                case 0x8001 -> new Elephant(Arrays.copyOfRange(fvek, 0, 32), Arrays.copyOfRange(fvek, 32, 64));
                default -> throw new BitLockerException(String.format("unknown BitLocker encryption method 0x%04X", method));
            };
        } catch (GeneralSecurityException | ArrayIndexOutOfBoundsException e) {
            throw new BitLockerException("the volume key does not fit its encryption method: " + e.getClass().getSimpleName());
        }
    }

    /** XTS-AES: every 16-byte block is whitened with a tweak that starts as AES_K2(sector) and doubles in GF(2^128). */
    static final class Xts extends ReferenceSectorCipher {
        private final Cipher dataDecrypt;
        private final Cipher dataEncrypt;
        private final Cipher tweakCipher;
        private byte[] tweaks = new byte[4096];
        private final byte[] tweakBlock = new byte[16];
        private byte[] sectorTweaks = new byte[0];

        Xts(byte[] key1, byte[] key2) throws GeneralSecurityException {
            dataDecrypt = Cipher.getInstance("AES/ECB/NoPadding");
            dataDecrypt.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key1, "AES"));
            dataEncrypt = Cipher.getInstance("AES/ECB/NoPadding");
            dataEncrypt.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key1, "AES"));
            tweakCipher = Cipher.getInstance("AES/ECB/NoPadding");
            tweakCipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key2, "AES"));
        }

        @Override
        void decrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
            run(dataDecrypt, data, off, length, ivSector);
        }

        @Override
        void encrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
            run(dataEncrypt, data, off, length, ivSector);
        }

        private static void doublings(byte[] out, int at, int length, long lo, long hi) {
            for (int j = 0; j < length; j += 16) {
                LONGS.set(out, at + j, lo);
                LONGS.set(out, at + j + 8, hi);
                long carry = hi >>> 63;
                hi = (hi << 1) | (lo >>> 63);
                lo = (lo << 1) ^ (carry * 0x87);
            }
        }

        private void run(Cipher cipher, byte[] data, int off, int length, long sector) throws GeneralSecurityException {
            if (tweaks.length < length) {
                tweaks = new byte[length];
            }
            fillTweaks(sector, 0, length);
            xor(data, off, tweaks, length);
            cipher.doFinal(data, off, length, data, off);
            xor(data, off, tweaks, length);
        }

        private void fillTweaks(long sector, int at, int length) throws GeneralSecurityException {
            Arrays.fill(tweakBlock, (byte) 0);
            for (int i = 0; i < 8; i++) {
                tweakBlock[i] = (byte) (sector >>> (8 * i));
            }
            tweakCipher.doFinal(tweakBlock, 0, 16, tweakBlock, 0);
            doublings(tweaks, at, length, le64(tweakBlock, 0), le64(tweakBlock, 8));
        }
    }

    /** AES-CBC whose IV is the sector's byte offset encrypted with the same key ("EBOIV"). */
    static final class Cbc extends ReferenceSectorCipher {
        private final SecretKeySpec key;
        private final Cipher ivCipher;
        private final Cipher cbc;
        private final byte[] iv = new byte[16];

        Cbc(byte[] k) throws GeneralSecurityException {
            key = new SecretKeySpec(k, "AES");
            ivCipher = Cipher.getInstance("AES/ECB/NoPadding");
            ivCipher.init(Cipher.ENCRYPT_MODE, key);
            cbc = Cipher.getInstance("AES/CBC/NoPadding");
        }

        private IvParameterSpec ivFor(long byteOffset) throws GeneralSecurityException {
            Arrays.fill(iv, (byte) 0);
            put64(iv, 0, byteOffset);
            return new IvParameterSpec(ivCipher.doFinal(iv));
        }

        @Override
        void decrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
            cbc.init(Cipher.DECRYPT_MODE, key, ivFor(byteOffset));
            cbc.doFinal(data, off, length, data, off);
        }

        @Override
        void encrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
            cbc.init(Cipher.ENCRYPT_MODE, key, ivFor(byteOffset));
            cbc.doFinal(data, off, length, data, off);
        }
    }

    /**
     * Windows Vista/7's AES-CBC with the Elephant diffuser: the sector is XORed with a key derived
     * from its offset, mixed by diffuser A (5 rounds) and B (3 rounds) of add/xor/rotate over
     * 32-bit words, then CBC-encrypted with the byte-offset IV (the order Linux dm-crypt uses).
     */
    static final class Elephant extends ReferenceSectorCipher {
        private static final int[] ROT_A = {9, 0, 13, 0};
        private static final int[] ROT_B = {0, 10, 0, 25};
        private final Cbc cbc;
        private final Cipher tweak;
        private final byte[] block = new byte[16];
        private final byte[] sectorKey = new byte[32];

        Elephant(byte[] aesKey, byte[] tweakKey) throws GeneralSecurityException {
            cbc = new Cbc(aesKey);
            tweak = Cipher.getInstance("AES/ECB/NoPadding");
            tweak.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(tweakKey, "AES"));
        }

        private void sectorKey(long byteOffset) throws GeneralSecurityException {
            Arrays.fill(block, (byte) 0);
            put64(block, 0, byteOffset);
            tweak.doFinal(block, 0, 16, sectorKey, 0);
            block[15] = (byte) 0x80;
            tweak.doFinal(block, 0, 16, sectorKey, 16);
        }

        @Override
        void decrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
            cbc.decrypt(data, off, length, ivSector, byteOffset);
            int n = length / 4;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < n; i++) {
                    add(data, off, i, word(data, off, (i + 2) % n) ^ Integer.rotateLeft(word(data, off, (i + 5) % n), ROT_B[i % 4]));
                }
            }
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < n; i++) {
                    add(data, off, i, word(data, off, (i + n - 2) % n) ^ Integer.rotateLeft(word(data, off, (i + n - 5) % n), ROT_A[i % 4]));
                }
            }
            sectorKey(byteOffset);
            for (int i = 0; i < length; i++) {
                data[off + i] ^= sectorKey[i % 32];
            }
        }

        @Override
        void encrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
            sectorKey(byteOffset);
            for (int i = 0; i < length; i++) {
                data[off + i] ^= sectorKey[i % 32];
            }
            int n = length / 4;
            for (int round = 0; round < 5; round++) {
                for (int i = n - 1; i >= 0; i--) {
                    add(data, off, i, -(word(data, off, (i + n - 2) % n) ^ Integer.rotateLeft(word(data, off, (i + n - 5) % n), ROT_A[i % 4])));
                }
            }
            for (int round = 0; round < 3; round++) {
                for (int i = n - 1; i >= 0; i--) {
                    add(data, off, i, -(word(data, off, (i + 2) % n) ^ Integer.rotateLeft(word(data, off, (i + 5) % n), ROT_B[i % 4])));
                }
            }
            cbc.encrypt(data, off, length, ivSector, byteOffset);
        }

        private static int word(byte[] d, int off, int i) {
            return (int) INTS.get(d, off + 4 * i);
        }

        private static void add(byte[] d, int off, int i, int value) {
            INTS.set(d, off + 4 * i, (int) INTS.get(d, off + 4 * i) + value);
        }
    }

    private static final java.lang.invoke.VarHandle INTS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static void xor(byte[] data, int off, byte[] with, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            LONGS.set(data, off + i, (long) LONGS.get(data, off + i) ^ (long) LONGS.get(with, i));
        }
        for (; i < length; i++) {
            data[off + i] ^= with[i];
        }
    }

    static long le64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    static void put64(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
