package io.bootmedic.bitlocker;

import io.bootmedic.format.ErrorWords;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * BitLocker's sector encryption: XTS-AES (IEEE 1619, tweak = sector number) for Windows 10+, and
 * AES-CBC with the IV = AES(byte offset) for Windows 7/8, with or without the Elephant diffuser.
 *
 * <p>Bulk AES goes through the JDK's "AES/ECB/NoPadding", whose intrinsic uses the processor's AES
 * instructions over a whole buffer at once (tens of GB/s); calling it per 16-byte block, or
 * re-initialising a cipher per sector, costs far more than the AES itself. So every mode here is
 * built around one ECB call per chunk of sectors: XTS whitens the chunk with tweaks computed in long
 * arithmetic, CBC decryption XORs the ECB output with the previous ciphertext block. Only CBC
 * encryption is serial by nature and goes sector by sector through the JDK's CBC.
 *
 * <p>An instance keeps scratch buffers and initialised ciphers: it is not thread-safe, and each
 * {@link BitLockerBlockDevice} (whose reads and writes are synchronized) owns one.
 */
abstract class SectorCipher {
    /** Work is done this many bytes at a time, so that data, tweaks and scratch stay in the L2 cache. */
    static final int CHUNK = 32 * 1024;

    /** Decrypts {@code length} bytes of {@code data} in place as one data unit: XTS tweak {@code ivSector}, CBC IV from {@code byteOffset}. */
    void decrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
        decryptUnits(data, off, 1, length, ivSector, byteOffset);
    }

    /** Encrypts one data unit in place; see {@link #decrypt}. */
    void encrypt(byte[] data, int off, int length, long ivSector, long byteOffset) throws GeneralSecurityException {
        encryptUnits(data, off, 1, length, ivSector, byteOffset);
    }

    /** Decrypts {@code count} consecutive sectors in place, the first of which lies at {@code firstByteOffset} of the volume. */
    void decryptSectors(byte[] data, int off, int count, int sectorSize, long firstByteOffset) throws GeneralSecurityException {
        decryptUnits(data, off, count, sectorSize, firstByteOffset / sectorSize, firstByteOffset);
    }

    /** Encrypts {@code count} consecutive sectors in place, the first of which lies at {@code firstByteOffset} of the volume. */
    void encryptSectors(byte[] data, int off, int count, int sectorSize, long firstByteOffset) throws GeneralSecurityException {
        encryptUnits(data, off, count, sectorSize, firstByteOffset / sectorSize, firstByteOffset);
    }

    /** Unit {@code i} has XTS tweak {@code firstUnit + i} and CBC byte offset {@code firstByteOffset + i * unit}. */
    abstract void decryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException;

    abstract void encryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException;

    static SectorCipher forMethod(int method, byte[] fvek) throws BitLockerException, BitLockerFormatException {
        EncryptionMethod m = EncryptionMethod.of(method).orElseThrow(() -> new BitLockerFormatException(
                String.format(java.util.Locale.ROOT, "unknown BitLocker encryption method 0x%04X", method)));
        byte[] key = m.key(fvek);
        byte[] tweak = m.tweakKey(fvek);
        try {
            return switch (m) {
                case XTS_AES_128, XTS_AES_256 -> new Xts(key, tweak);
                case AES_CBC_128, AES_CBC_256 -> new Cbc(key);
                case AES_CBC_128_ELEPHANT, AES_CBC_256_ELEPHANT -> new Elephant(key, tweak);
            };
        } catch (GeneralSecurityException e) {
            throw new BitLockerException("the JDK cannot set up " + m.windowsName + " (" + ErrorWords.reason(e) + ")");
        }
    }

    static Cipher ecb(int mode, byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"));
        return c;
    }

    /** How many units of {@code unit} bytes make one chunk (at least one). */
    static int perChunk(int unit) {
        return Math.max(1, CHUNK / unit);
    }

    static void checkUnit(int unit, int multiple) throws IllegalBlockSizeException {
        if (unit <= 0 || unit % multiple != 0) {
            throw new IllegalBlockSizeException("a BitLocker data unit of " + unit + " bytes is not a multiple of " + multiple);
        }
    }

    /** XTS-AES: every 16-byte block is whitened with a tweak that starts as AES_K2(unit number) and doubles in GF(2^128). */
    static final class Xts extends SectorCipher {
        private final Cipher dataDecrypt;
        private final Cipher dataEncrypt;
        private final Cipher tweakCipher;
        private byte[] tweaks = new byte[0];
        private byte[] tweakInput = new byte[0];
        private byte[] scratch = new byte[0];

        Xts(byte[] key1, byte[] key2) throws GeneralSecurityException {
            dataDecrypt = ecb(Cipher.DECRYPT_MODE, key1);
            dataEncrypt = ecb(Cipher.ENCRYPT_MODE, key1);
            tweakCipher = ecb(Cipher.ENCRYPT_MODE, key2);
        }

        @Override
        void decryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException {
            run(dataDecrypt, data, off, count, unit, firstUnit);
        }

        @Override
        void encryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException {
            run(dataEncrypt, data, off, count, unit, firstUnit);
        }

        private void run(Cipher aes, byte[] data, int off, int count, int unit, long firstUnit) throws GeneralSecurityException {
            checkUnit(unit, 16);
            int step = perChunk(unit);
            int most = Math.min(step, count);
            if (tweaks.length < 16 * most) {
                tweaks = new byte[16 * most];
                tweakInput = new byte[16 * most];
            }
            if (scratch.length < most * unit) {
                scratch = new byte[most * unit];
            }
            byte[] tw = tweaks;
            byte[] x = scratch;
            for (int done = 0; done < count; done += step) {
                int n = Math.min(step, count - done);
                // every unit's first tweak, AES_K2(unit number), in one call
                for (int i = 0; i < n; i++) {
                    LONGS.set(tweakInput, 16 * i, firstUnit + done + i);
                    LONGS.set(tweakInput, 16 * i + 8, 0L);
                }
                tweakCipher.doFinal(tweakInput, 0, 16 * n, tw, 0);
                int at = off + done * unit;
                whiten(data, at, x, 0, n, unit, tw);
                aes.doFinal(x, 0, n * unit, data, at);
                whiten(data, at, data, at, n, unit, tw);
            }
        }

        /** {@code to = from XOR tweak}, block by block; the tweaks are recomputed on the fly rather than stored. */
        private static void whiten(byte[] from, int at, byte[] to, int toAt, int n, int unit, byte[] tw) {
            for (int s = 0; s < n; s++) {
                long lo = (long) LONGS.get(tw, 16 * s);
                long hi = (long) LONGS.get(tw, 16 * s + 8);
                int p = at + s * unit;
                int q = toAt + s * unit;
                for (int end = p + unit; p < end; p += 16, q += 16) {
                    LONGS.set(to, q, (long) LONGS.get(from, p) ^ lo);
                    LONGS.set(to, q + 8, (long) LONGS.get(from, p + 8) ^ hi);
                    // multiply by alpha: shift the 128-bit little-endian value left, fold the carry back as 0x87
                    long carry = hi >> 63;
                    hi = (hi << 1) | (lo >>> 63);
                    lo = (lo << 1) ^ (carry & 0x87);
                }
            }
        }
    }

    /** AES-CBC whose IV is the sector's byte offset encrypted with the same key ("EBOIV"). */
    static final class Cbc extends SectorCipher {
        private final SecretKeySpec key;
        private final Cipher ivCipher;
        private final Cipher blockDecrypt;
        private final Cipher cbc;
        private byte[] ivs = new byte[0];
        private byte[] offsets = new byte[0];
        private byte[] scratch = new byte[0];

        Cbc(byte[] k) throws GeneralSecurityException {
            key = new SecretKeySpec(k, "AES");
            ivCipher = ecb(Cipher.ENCRYPT_MODE, k);
            blockDecrypt = ecb(Cipher.DECRYPT_MODE, k);
            cbc = Cipher.getInstance("AES/CBC/NoPadding");
        }

        /** The IVs of {@code n} units from {@code firstByteOffset} on, in one AES call; returns the buffer holding them. */
        private byte[] ivs(int n, int unit, long firstByteOffset) throws GeneralSecurityException {
            if (ivs.length < 16 * n) {
                ivs = new byte[16 * n];
                offsets = new byte[16 * n];
            }
            for (int i = 0; i < n; i++) {
                LONGS.set(offsets, 16 * i, firstByteOffset + (long) i * unit);
                LONGS.set(offsets, 16 * i + 8, 0L);
            }
            ivCipher.doFinal(offsets, 0, 16 * n, ivs, 0);
            return ivs;
        }

        private byte[] scratch(int size) {
            if (scratch.length < size) {
                scratch = new byte[size];
            }
            return scratch;
        }

        /** CBC decryption is parallel: P_i = AES^-1(C_i) XOR C_(i-1), so one ECB call covers a whole chunk. */
        @Override
        void decryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException {
            checkUnit(unit, 16);
            int step = perChunk(unit);
            byte[] x = scratch(Math.min(step, count) * unit);
            for (int done = 0; done < count; done += step) {
                int n = Math.min(step, count - done);
                int at = off + done * unit;
                byte[] iv = ivs(n, unit, firstByteOffset + (long) done * unit);
                blockDecrypt.doFinal(data, at, n * unit, x, 0);
                for (int s = 0; s < n; s++) {
                    long prevLo = (long) LONGS.get(iv, 16 * s);
                    long prevHi = (long) LONGS.get(iv, 16 * s + 8);
                    int p = at + s * unit;
                    int q = s * unit;
                    for (int end = p + unit; p < end; p += 16, q += 16) {
                        long cLo = (long) LONGS.get(data, p);
                        long cHi = (long) LONGS.get(data, p + 8);
                        LONGS.set(data, p, (long) LONGS.get(x, q) ^ prevLo);
                        LONGS.set(data, p + 8, (long) LONGS.get(x, q + 8) ^ prevHi);
                        prevLo = cLo;
                        prevHi = cHi;
                    }
                }
            }
        }

        /** CBC encryption chains every block to the previous one: the JDK's CBC, one sector per call (out of place, which is faster). */
        @Override
        void encryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException {
            checkUnit(unit, 16);
            int step = perChunk(unit);
            byte[] x = scratch(Math.min(step, count) * unit);
            for (int done = 0; done < count; done += step) {
                int n = Math.min(step, count - done);
                byte[] iv = ivs(n, unit, firstByteOffset + (long) done * unit);
                int at = off + done * unit;
                for (int s = 0; s < n; s++) {
                    cbc.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv, 16 * s, 16));
                    cbc.doFinal(data, at + s * unit, unit, x, s * unit);
                }
                System.arraycopy(x, 0, data, at, n * unit);
            }
        }
    }

    /**
     * Windows Vista/7's AES-CBC with the Elephant diffuser: the sector is XORed with a key derived
     * from its offset, mixed by diffuser A (5 rounds) and B (3 rounds) of add/xor/rotate over
     * 32-bit words, then CBC-encrypted with the byte-offset IV (the order Linux dm-crypt uses).
     */
    static final class Elephant extends SectorCipher {
        private static final int[] ROT_A = {9, 0, 13, 0};
        private static final int[] ROT_B = {0, 10, 0, 25};
        private final Cbc cbc;
        private final Cipher tweak;
        private byte[] sectorKeys = new byte[0];
        private byte[] offsets = new byte[0];
        private int[] words = new int[128];

        Elephant(byte[] aesKey, byte[] tweakKey) throws GeneralSecurityException {
            cbc = new Cbc(aesKey);
            tweak = ecb(Cipher.ENCRYPT_MODE, tweakKey);
        }

        /** The 32-byte sector keys of {@code n} sectors: AES_tweak(offset) then AES_tweak(offset with byte 15 = 0x80), in one call. */
        private byte[] sectorKeys(int n, int unit, long firstByteOffset) throws GeneralSecurityException {
            if (sectorKeys.length < 32 * n) {
                sectorKeys = new byte[32 * n];
                offsets = new byte[32 * n];
            }
            byte[] o = offsets;
            for (int i = 0; i < n; i++) {
                long offset = firstByteOffset + (long) i * unit;
                LONGS.set(o, 32 * i, offset);
                LONGS.set(o, 32 * i + 8, 0L);
                LONGS.set(o, 32 * i + 16, offset);
                LONGS.set(o, 32 * i + 24, 0x80L << 56);
            }
            // out of place: the JDK's AES is two orders of magnitude slower when input and output are the same bytes
            tweak.doFinal(o, 0, 32 * n, sectorKeys, 0);
            return sectorKeys;
        }

        @Override
        void decryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException {
            checkUnit(unit, 32);
            cbc.decryptUnits(data, off, count, unit, firstUnit, firstByteOffset);
            int step = perChunk(unit);
            int[] w = words(unit / 4);
            for (int done = 0; done < count; done += step) {
                int n = Math.min(step, count - done);
                byte[] keys = sectorKeys(n, unit, firstByteOffset + (long) done * unit);
                for (int s = 0; s < n; s++) {
                    int at = off + (done + s) * unit;
                    load(data, at, w, unit / 4, null, 0);
                    undoDiffuserB(w, unit / 4);
                    undoDiffuserA(w, unit / 4);
                    store(w, unit / 4, data, at, keys, 32 * s);
                }
            }
        }

        @Override
        void encryptUnits(byte[] data, int off, int count, int unit, long firstUnit, long firstByteOffset) throws GeneralSecurityException {
            checkUnit(unit, 32);
            int step = perChunk(unit);
            int[] w = words(unit / 4);
            for (int done = 0; done < count; done += step) {
                int n = Math.min(step, count - done);
                byte[] keys = sectorKeys(n, unit, firstByteOffset + (long) done * unit);
                for (int s = 0; s < n; s++) {
                    int at = off + (done + s) * unit;
                    load(data, at, w, unit / 4, keys, 32 * s);
                    diffuserA(w, unit / 4);
                    diffuserB(w, unit / 4);
                    store(w, unit / 4, data, at, null, 0);
                }
            }
            cbc.encryptUnits(data, off, count, unit, firstUnit, firstByteOffset);
        }

        /** {@code x mod n} for {@code 0 <= x < 2n}, without a division. */
        private static int wrap(int x, int n) {
            return x >= n ? x - n : x;
        }

        private int[] words(int n) {
            if (words.length < n) {
                words = new int[n];
            }
            return words;
        }

        /** Little-endian words of the sector, XORed with the sector key when one is given. */
        private static void load(byte[] d, int at, int[] w, int n, byte[] key, int keyAt) {
            if (key == null) {
                for (int i = 0; i < n; i++) {
                    w[i] = (int) INTS.get(d, at + 4 * i);
                }
                return;
            }
            for (int i = 0; i < n; i += 8) {
                for (int j = 0; j < 8; j++) {
                    w[i + j] = (int) INTS.get(d, at + 4 * (i + j)) ^ (int) INTS.get(key, keyAt + 4 * j);
                }
            }
        }

        private static void store(int[] w, int n, byte[] d, int at, byte[] key, int keyAt) {
            if (key == null) {
                for (int i = 0; i < n; i++) {
                    INTS.set(d, at + 4 * i, w[i]);
                }
                return;
            }
            for (int i = 0; i < n; i += 8) {
                for (int j = 0; j < 8; j++) {
                    INTS.set(d, at + 4 * (i + j), w[i + j] ^ (int) INTS.get(key, keyAt + 4 * j));
                }
            }
        }

        // The four diffuser loops below are the textbook ones, d[i] +-= d[i -+ 2] ^ rotl(d[i -+ 5], R[i % 4])
        // taken in order with indices modulo n, with the middle (where no index wraps) unrolled by four.

        /** Decryption, 3 rounds: d[i] += d[i+2] ^ rotl(d[i+5], ROT_B[i % 4]), i upwards. */
        private static void undoDiffuserB(int[] w, int n) {
            for (int round = 0; round < 3; round++) {
                int i = 0;
                for (; i <= n - 9; i += 4) {
                    w[i] += w[i + 2] ^ w[i + 5];
                    w[i + 1] += w[i + 3] ^ Integer.rotateLeft(w[i + 6], 10);
                    w[i + 2] += w[i + 4] ^ w[i + 7];
                    w[i + 3] += w[i + 5] ^ Integer.rotateLeft(w[i + 8], 25);
                }
                for (; i < n; i++) {
                    w[i] += w[wrap(i + 2, n)] ^ Integer.rotateLeft(w[wrap(i + 5, n)], ROT_B[i & 3]);
                }
            }
        }

        /**
         * Decryption, 5 rounds: d[i] += d[i-2] ^ rotl(d[i-5], ROT_A[i % 4]), i upwards. Each word
         * needs the ones just computed, so the last five are carried in locals, not reloaded.
         */
        private static void undoDiffuserA(int[] w, int n) {
            for (int round = 0; round < 5; round++) {
                int i = 0;
                for (; i < Math.min(8, n); i++) {
                    w[i] += w[wrap(i + n - 2, n)] ^ Integer.rotateLeft(w[wrap(i + n - 5, n)], ROT_A[i & 3]);
                }
                if (i + 3 < n) {
                    int x5 = w[i - 5];
                    int x4 = w[i - 4];
                    int x3 = w[i - 3];
                    int x2 = w[i - 2];
                    int x1 = w[i - 1];
                    for (; i + 3 < n; i += 4) {
                        int y0 = w[i] + (x2 ^ Integer.rotateLeft(x5, 9));
                        int y1 = w[i + 1] + (x1 ^ x4);
                        int y2 = w[i + 2] + (y0 ^ Integer.rotateLeft(x3, 13));
                        int y3 = w[i + 3] + (y1 ^ x2);
                        w[i] = y0;
                        w[i + 1] = y1;
                        w[i + 2] = y2;
                        w[i + 3] = y3;
                        x5 = x1;
                        x4 = y0;
                        x3 = y1;
                        x2 = y2;
                        x1 = y3;
                    }
                }
                for (; i < n; i++) {
                    w[i] += w[wrap(i + n - 2, n)] ^ Integer.rotateLeft(w[wrap(i + n - 5, n)], ROT_A[i & 3]);
                }
            }
        }

        /** Encryption, 5 rounds: d[i] -= d[i-2] ^ rotl(d[i-5], ROT_A[i % 4]), i downwards. */
        private static void diffuserA(int[] w, int n) {
            for (int round = 0; round < 5; round++) {
                int g = n - 4;
                for (; g >= 8; g -= 4) {
                    w[g + 3] -= w[g + 1] ^ w[g - 2];
                    w[g + 2] -= w[g] ^ Integer.rotateLeft(w[g - 3], 13);
                    w[g + 1] -= w[g - 1] ^ w[g - 4];
                    w[g] -= w[g - 2] ^ Integer.rotateLeft(w[g - 5], 9);
                }
                for (int i = Math.min(g + 3, n - 1); i >= 0; i--) {
                    w[i] -= w[wrap(i + n - 2, n)] ^ Integer.rotateLeft(w[wrap(i + n - 5, n)], ROT_A[i & 3]);
                }
            }
        }

        /** Encryption, 3 rounds: d[i] -= d[i+2] ^ rotl(d[i+5], ROT_B[i % 4]), i downwards, the last five words carried in locals. */
        private static void diffuserB(int[] w, int n) {
            for (int round = 0; round < 3; round++) {
                int i = n - 1;
                for (; i >= Math.max(n - 8, 0); i--) {
                    w[i] -= w[wrap(i + 2, n)] ^ Integer.rotateLeft(w[wrap(i + 5, n)], ROT_B[i & 3]);
                }
                if (n >= 12) {
                    int z1 = w[n - 8];
                    int z2 = w[n - 7];
                    int z3 = w[n - 6];
                    int z4 = w[n - 5];
                    int z5 = w[n - 4];
                    for (int g = n - 12; g >= 0; g -= 4) {
                        int y3 = w[g + 3] - (z2 ^ Integer.rotateLeft(z5, 25));
                        int y2 = w[g + 2] - (z1 ^ z4);
                        int y1 = w[g + 1] - (y3 ^ Integer.rotateLeft(z3, 10));
                        int y0 = w[g] - (y2 ^ z2);
                        w[g + 3] = y3;
                        w[g + 2] = y2;
                        w[g + 1] = y1;
                        w[g] = y0;
                        z5 = z1;
                        z4 = y3;
                        z3 = y2;
                        z2 = y1;
                        z1 = y0;
                    }
                }
            }
        }
    }

    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static long le64(byte[] b, int at) {
        return (long) LONGS.get(b, at);
    }

    static void put64(byte[] b, int at, long v) {
        LONGS.set(b, at, v);
    }
}
