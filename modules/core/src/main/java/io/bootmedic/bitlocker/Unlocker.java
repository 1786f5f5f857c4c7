package io.bootmedic.bitlocker;

import io.bootmedic.keys.RecoveryPassword;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Turns a recovery password, a user password, a startup key (.BEK) or a clear key into the
 * volume master key (VMK), then the full-volume encryption key (FVEK). A wrong key fails the
 * AES-CCM tag and is reported as such: it never yields garbage.
 */
public final class Unlocker {
    private static final int STRETCH_ROUNDS = 0x100000;
    private static final long MAX_BEK = 64 * 1024;

    private Unlocker() {
    }

    /** The FVEK and the protector that opened it (its ID goes into the report). */
    public record Unlocked(byte[] fvek, Protector protector) {
        @Override
        public String toString() {
            return "Unlocked[" + protector.id() + "]";
        }
    }

    public static Unlocked withRecoveryPassword(BitLockerMetadata md, RecoveryPassword rp) throws BitLockerException, BitLockerFormatException {
        byte[] initial = sha256(rp.toKeyBytes());
        return tryEach(md, Protector.RECOVERY_PASSWORD, p -> stretch(initial, p.salt()), "recovery password", "recovery password");
    }

    public static Unlocked withPassword(BitLockerMetadata md, char[] password) throws BitLockerException, BitLockerFormatException {
        byte[] utf16 = new String(password).getBytes(StandardCharsets.UTF_16LE);
        byte[] initial = sha256(sha256(utf16));
        Arrays.fill(utf16, (byte) 0);
        return tryEach(md, Protector.PASSWORD, p -> stretch(initial, p.salt()), "password", "password");
    }

    public static Unlocked withClearKey(BitLockerMetadata md) throws BitLockerException, BitLockerFormatException {
        return tryEach(md, Protector.CLEAR_KEY, Protector::clearKey, "clear key", "clear key");
    }

    /** A .BEK startup key file: its external key entry carries the 32-byte key that protects the VMK. */
    public static Unlocked withStartupKey(BitLockerMetadata md, Path bekFile) throws IOException {
        io.bootmedic.format.InputFiles.require(bekFile, io.bootmedic.format.InputFiles.Kind.REGULAR_FILE, "--bek");
        if (Files.size(bekFile) > MAX_BEK) {
            // a startup key file is 156-180 bytes; never read a wrong file's gigabytes
            throw new BitLockerFormatException(bekFile + " is " + Files.size(bekFile) + " bytes: not a BitLocker startup key (.BEK) file");
        }
        byte[] bek = Files.readAllBytes(bekFile);
        byte[] key = bekKey(bek).orElseThrow(() -> new BitLockerFormatException(bekFile + " is not a BitLocker startup key (.BEK) file"));
        return tryEach(md, Protector.STARTUP_KEY, p -> key, "startup key " + bekFile.getFileName(), "startup key");
    }

    static Optional<byte[]> bekKey(byte[] bek) {
        if (bek.length < 48 + 8) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bek).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.getInt(0);
        int headerSize = b.getInt(8);
        if (headerSize != 48 || size > bek.length || size < 48) {
            return Optional.empty();
        }
        return findKey(bek, 48, size, 0);
    }

    /** Depth-first search for a key (value type 1) entry inside external-key (value type 9) entries. */
    private static Optional<byte[]> findKey(byte[] data, int start, int end, int depth) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int at = start;
        while (depth < 4 && end - at >= 8) {
            int size = Short.toUnsignedInt(b.getShort(at));
            if (size < 8 || at + size > end) {
                return Optional.empty();
            }
            int value = Short.toUnsignedInt(b.getShort(at + 4));
            if (value == 0x0001 && size >= 8 + 4 + 32) {
                return Optional.of(Arrays.copyOfRange(data, at + 12, at + 12 + 32));
            }
            if (value == 0x0009 && size > 8 + 24) {
                Optional<byte[]> nested = findKey(data, at + 8 + 24, at + size, depth + 1);
                if (nested.isPresent()) {
                    return nested;
                }
            }
            at += size;
        }
        return Optional.empty();
    }

    @FunctionalInterface
    private interface KeyFor {
        byte[] key(Protector p) throws BitLockerFormatException;
    }

    private static Unlocked tryEach(BitLockerMetadata md, int type, KeyFor keyFor, String what, String kind) throws BitLockerException, BitLockerFormatException {
        boolean any = false;
        StringBuilder ids = new StringBuilder();
        for (Protector p : md.protectors) {
            if (p.type() != type || p.encrypted() == null) {
                continue;
            }
            any = true;
            ids.append(ids.length() == 0 ? "" : ", ").append('{').append(p.id()).append('}');
            byte[] key;
            try {
                key = keyFor.key(p);
            } catch (BitLockerFormatException e) {
                continue; // this protector is damaged (no salt); another one may open the volume
            }
            if (key == null) {
                continue;
            }
            Optional<byte[]> vmk = decrypt(key, p.nonce(), p.mac(), p.encrypted());
            if (vmk.isEmpty()) {
                continue;
            }
            Optional<byte[]> fvek = decrypt(keyOf(vmk.get(), "volume master key"), md.fvekNonce, md.fvekMac, md.fvekEncrypted);
            if (fvek.isEmpty()) {
                throw new BitLockerFormatException("the " + what + " opened protector {" + p.id() + "} but its volume key does not decrypt: the metadata is damaged");
            }
            return new Unlocked(keyOf(fvek.get(), "volume key (FVEK)"), p);
        }
        if (!any) {
            throw new WrongKeyException("volume " + md.volumeGuid + " has no " + kind + " protector; it has: " + protectorList(md));
        }
        throw new WrongKeyException("wrong " + what + " for key ID " + ids + " of volume " + md.volumeGuid + ": " + advice(md, type));
    }

    /** What to do next, for the kind of secret that did not fit. */
    private static String advice(BitLockerMetadata md, int type) {
        String rp = VolumeKeys.recoveryKeyIds(md);
        return switch (type) {
            case Protector.RECOVERY_PASSWORD -> "check the key ID shown on the recovery screen against your key list";
            case Protector.PASSWORD -> "check the password (case, Caps Lock, the keyboard layout it was typed on)"
                    + (rp.startsWith("{") ? ", or unlock with the recovery password for key ID " + rp : "");
            case Protector.STARTUP_KEY -> "this .BEK file belongs to another volume or was replaced; find the .BEK whose name is the key ID above"
                    + (rp.startsWith("{") ? ", or use the recovery password for key ID " + rp : "");
            default -> "the metadata may be damaged";
        };
    }

    static String protectorList(BitLockerMetadata md) {
        StringBuilder s = new StringBuilder();
        for (Protector p : md.protectors) {
            s.append(s.length() == 0 ? "" : ", ").append(p.typeName()).append(" {").append(p.id()).append('}');
        }
        return s.length() == 0 ? "none" : s.toString();
    }

    /** A decrypted key datum: a 12-byte header (size, version, method) followed by the key. */
    private static byte[] keyOf(byte[] datum, String what) throws BitLockerFormatException {
        if (datum.length < 12 + 16) {
            throw new BitLockerFormatException("the decrypted " + what + " holds only " + datum.length + " bytes: the metadata is damaged");
        }
        return Arrays.copyOfRange(datum, 12, datum.length);
    }

    /** AES-CCM with BitLocker's layout (tag stored before the ciphertext); empty when the tag does not match. */
    static Optional<byte[]> decrypt(byte[] key, byte[] nonce, byte[] mac, byte[] encrypted) {
        if (key == null || nonce == null || mac == null || encrypted == null || (key.length != 16 && key.length != 32)
                || nonce.length != 12 || mac.length != 16) {
            return Optional.empty();
        }
        CCMBlockCipher ccm = new CCMBlockCipher(AESEngine.newInstance());
        ccm.init(false, new AEADParameters(new KeyParameter(key), 128, nonce));
        byte[] input = new byte[encrypted.length + mac.length];
        System.arraycopy(encrypted, 0, input, 0, encrypted.length);
        System.arraycopy(mac, 0, input, encrypted.length, mac.length);
        byte[] out = new byte[ccm.getOutputSize(input.length)];
        try {
            int n = ccm.processBytes(input, 0, input.length, out, 0);
            ccm.doFinal(out, n);
            return Optional.of(out);
        } catch (InvalidCipherTextException | IllegalStateException | IllegalArgumentException e) {
            return Optional.empty(); // BouncyCastle's own words never reach the user: a tag that does not match is "wrong key"
        }
    }

    /**
     * BitLocker's key stretching: 2^20 rounds of SHA-256 over (last hash, initial hash, salt, count).
     * The 88-byte block is reused in place so the loop allocates nothing.
     */
    static byte[] stretch(byte[] initial, byte[] salt) throws BitLockerFormatException {
        if (salt == null || salt.length != 16) {
            throw new BitLockerFormatException("the protector has no key-stretching salt");
        }
        MessageDigest sha = digest();
        byte[] block = new byte[88];
        System.arraycopy(initial, 0, block, 32, 32);
        System.arraycopy(salt, 0, block, 64, 16);
        try {
            for (long count = 0; count < STRETCH_ROUNDS; count++) {
                for (int i = 0; i < 8; i++) {
                    block[80 + i] = (byte) (count >>> (8 * i));
                }
                sha.update(block);
                sha.digest(block, 0, 32);
            }
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        return Arrays.copyOf(block, 32);
    }

    static byte[] sha256(byte[] data) {
        return digest().digest(data);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
