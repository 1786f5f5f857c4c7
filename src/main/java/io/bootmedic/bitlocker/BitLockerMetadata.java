package io.bootmedic.bitlocker;

import io.bootmedic.image.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The unencrypted part of a BitLocker volume: header, the three FVE metadata copies (the first one
 * whose CRC-32 checks out is used), protectors, the encrypted FVEK and where Windows moved the
 * file system's first sectors. Every length and offset is checked before use.
 */
public final class BitLockerMetadata {
    static final int METADATA_AREA = 64 * 1024;
    private static final String NORMAL_GUID = "4967D63B-2E29-4AD8-8399-F6A339E3D001";

    public final String volumeGuid;
    public final int method;
    public final int sectorSize;
    public final boolean toGo;
    public final boolean conversionInProgress;
    public final long encryptedSize;
    public final long[] metadataOffsets;
    public final long headerOffset;
    public final long headerSize;
    public final String description;
    public final Instant created;
    public final List<Protector> protectors;
    public final int usedCopy;
    final byte[] fvekNonce;
    final byte[] fvekMac;
    final byte[] fvekEncrypted;

    private BitLockerMetadata(Builder b) {
        volumeGuid = b.volumeGuid;
        method = b.method;
        sectorSize = b.sectorSize;
        toGo = b.toGo;
        conversionInProgress = b.conversionInProgress;
        encryptedSize = b.encryptedSize;
        metadataOffsets = b.metadataOffsets;
        headerOffset = b.headerOffset;
        headerSize = b.headerSize;
        description = b.description;
        created = b.created;
        protectors = List.copyOf(b.protectors);
        usedCopy = b.usedCopy;
        fvekNonce = b.fvekNonce;
        fvekMac = b.fvekMac;
        fvekEncrypted = b.fvekEncrypted;
    }

    /** Whether the first sector says BitLocker: "-FVE-FS-" (system and data volumes) or "MSWIN4.1" with FVE metadata (To Go). */
    public static boolean looksLikeBitLocker(byte[] firstSector) {
        String oem = new String(firstSector, 3, 8, StandardCharsets.US_ASCII);
        return oem.equals("-FVE-FS-") || (oem.equals("MSWIN4.1") && firstSector.length >= 512
                && guid(ByteBuffer.wrap(firstSector).order(ByteOrder.LITTLE_ENDIAN), 424).equals(NORMAL_GUID));
    }

    public static BitLockerMetadata read(BlockDevice volume) throws IOException {
        String name = volume.describe();
        if (volume.size() < 512) {
            throw new BitLockerException(name + " is too small to be a BitLocker volume");
        }
        byte[] boot = volume.read(0, 512);
        ByteBuffer h = le(boot);
        String oem = new String(boot, 3, 8, StandardCharsets.US_ASCII);
        Builder b = new Builder();
        int at;
        if (oem.equals("-FVE-FS-")) {
            at = 160;
        } else if (oem.equals("MSWIN4.1")) {
            at = 424;
            b.toGo = true;
        } else {
            throw new BitLockerException(name + " is not a BitLocker volume (no -FVE-FS- signature)");
        }
        if (boot[0] == (byte) 0xEB && boot[1] == 0x52) {
            throw new BitLockerException(name + " was encrypted by Windows Vista (BitLocker version 1), which bootmedic does not read");
        }
        int sector = Short.toUnsignedInt(h.getShort(11));
        b.sectorSize = sector == 0 ? 512 : sector;
        if (b.sectorSize != 512 && b.sectorSize != 4096) {
            throw new BitLockerException(name + ": unsupported sector size " + b.sectorSize);
        }
        String typeGuid = guid(h, at);
        b.conversionInProgress = !typeGuid.equals(NORMAL_GUID);
        long[] offsets = {h.getLong(at + 16), h.getLong(at + 24), h.getLong(at + 32)};
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try {
                parseCopy(volume, offsets[i], b);
                b.usedCopy = i + 1;
                return new BitLockerMetadata(b);
            } catch (BitLockerException e) {
                problems.add("copy " + (i + 1) + ": " + e.getMessage());
            }
        }
        throw new BitLockerException(name + ": all three BitLocker metadata copies are damaged (" + String.join("; ", problems)
                + "). The volume cannot be unlocked here; nothing was written.");
    }

    private static void parseCopy(BlockDevice volume, long offset, Builder b) throws IOException {
        if (offset <= 0 || offset % 512 != 0 || offset + METADATA_AREA > volume.size()) {
            throw new BitLockerException("offset " + offset + " is outside the volume");
        }
        byte[] block = volume.read(offset, METADATA_AREA);
        ByteBuffer m = le(block);
        // a copy that failed halfway must leave nothing behind for the next one
        b.protectors.clear();
        b.fvekEncrypted = null;
        b.description = null;
        b.headerSize = 0;
        if (!"-FVE-FS-".equals(new String(block, 0, 8, StandardCharsets.US_ASCII))) {
            throw new BitLockerException("no -FVE-FS- signature");
        }
        int version = Short.toUnsignedInt(m.getShort(10));
        int blockSize = Short.toUnsignedInt(m.getShort(8)) << 4;
        if (version != 2 || blockSize < 112 || blockSize + 8 > METADATA_AREA) {
            throw new BitLockerException("unsupported metadata version " + version + " or size " + blockSize);
        }
        ByteBuffer validation = le(Arrays.copyOfRange(block, blockSize, blockSize + 8));
        if (Short.toUnsignedInt(validation.getShort(0)) < 8) {
            throw new BitLockerException("no validation block");
        }
        CRC32 crc = new CRC32();
        crc.update(block, 0, blockSize);
        if ((int) crc.getValue() != validation.getInt(4)) {
            throw new BitLockerException("CRC-32 mismatch");
        }
        b.encryptedSize = m.getLong(16);
        b.metadataOffsets = new long[]{m.getLong(32), m.getLong(40), m.getLong(48)};
        b.headerOffset = m.getLong(56);
        int metadataSize = m.getInt(64);
        if (metadataSize < 48 || 64 + metadataSize > blockSize) {
            throw new BitLockerException("metadata size " + metadataSize + " does not fit its block");
        }
        b.volumeGuid = guid(m, 64 + 16);
        b.method = m.getInt(64 + 36) & 0xFFFF; // the high half can repeat the method (0x80048004)
        long filetime = m.getLong(64 + 40);
        b.created = Instant.ofEpochSecond((filetime - 116444736000000000L) / 10_000_000L);
        parseEntries(block, 64 + 48, 64 + metadataSize, b);
        if (b.fvekEncrypted == null) {
            throw new BitLockerException("no encrypted volume key (FVEK) entry");
        }
    }

    private static void parseEntries(byte[] block, int start, int end, Builder b) throws BitLockerException {
        ByteBuffer m = le(block);
        int at = start;
        while (end - at >= 8) {
            int size = Short.toUnsignedInt(m.getShort(at));
            if (size == 0) {
                break;
            }
            if (size < 8 || at + size > end) {
                throw new BitLockerException("metadata entry at " + at + " has an impossible size " + size);
            }
            int type = Short.toUnsignedInt(m.getShort(at + 2));
            int value = Short.toUnsignedInt(m.getShort(at + 4));
            switch (type) {
                case 0x0002 -> b.protectors.add(vmk(block, at, size));
                case 0x0003 -> {
                    if (value == 0x0005 && b.fvekEncrypted == null) {
                        b.fvekNonce = Arrays.copyOfRange(block, at + 8, at + 20);
                        b.fvekMac = Arrays.copyOfRange(block, at + 20, at + 36);
                        b.fvekEncrypted = Arrays.copyOfRange(block, at + 36, at + size);
                    }
                }
                case 0x0007 -> {
                    if (b.description == null) {
                        b.description = utf16(block, at + 8, size - 8);
                    }
                }
                case 0x000F -> {
                    if (size >= 24) {
                        b.headerOffset = m.getLong(at + 8);
                        b.headerSize = m.getLong(at + 16);
                    }
                }
                default -> { }
            }
            at += size;
        }
    }

    private static Protector vmk(byte[] block, int at, int size) throws BitLockerException {
        if (size < 8 + 28) {
            throw new BitLockerException("key protector entry at " + at + " is too short");
        }
        ByteBuffer m = le(block);
        String id = guid(m, at + 8);
        int type = Short.toUnsignedInt(m.getShort(at + 8 + 26));
        byte[] salt = null;
        byte[] nonce = null;
        byte[] mac = null;
        byte[] encrypted = null;
        byte[] clearKey = null;
        String description = null;
        int p = at + 8 + 28;
        int end = at + size;
        while (end - p >= 8) {
            int s = Short.toUnsignedInt(m.getShort(p));
            if (s == 0) {
                break;
            }
            if (s < 8 || p + s > end) {
                throw new BitLockerException("a property of key protector " + id + " has an impossible size");
            }
            int value = Short.toUnsignedInt(m.getShort(p + 4));
            switch (value) {
                case 0x0003 -> { // stretch key: method (4), salt (16), nested entries
                    if (s >= 8 + 4 + 16) {
                        salt = Arrays.copyOfRange(block, p + 12, p + 28);
                    }
                }
                case 0x0005 -> {
                    if (s >= 8 + 28 && encrypted == null) {
                        nonce = Arrays.copyOfRange(block, p + 8, p + 20);
                        mac = Arrays.copyOfRange(block, p + 20, p + 36);
                        encrypted = Arrays.copyOfRange(block, p + 36, p + s);
                    }
                }
                case 0x0001 -> { // a key in the clear: method (4) then the key
                    if (s > 12) {
                        clearKey = Arrays.copyOfRange(block, p + 12, p + s);
                    }
                }
                case 0x0002 -> description = utf16(block, p + 8, s - 8);
                default -> { }
            }
            p += s;
        }
        return new Protector(id, type, description, salt, nonce, mac, encrypted, clearKey);
    }

    /** GUIDs are stored with their first three fields little-endian. */
    static String guid(ByteBuffer b, int at) {
        return String.format(Locale.ROOT, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
                b.getInt(at), b.getShort(at + 4), b.getShort(at + 6),
                b.get(at + 8), b.get(at + 9), b.get(at + 10), b.get(at + 11), b.get(at + 12), b.get(at + 13), b.get(at + 14), b.get(at + 15));
    }

    private static String utf16(byte[] b, int at, int length) {
        String s = new String(b, at, length - (length % 2), StandardCharsets.UTF_16LE);
        int nul = s.indexOf('\0');
        return nul >= 0 ? s.substring(0, nul) : s;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The method's name as manage-bde prints it. */
    public String methodName() {
        return switch (method) {
            case 0x8000 -> "AES-CBC-128 with Elephant diffuser";
            case 0x8001 -> "AES-CBC-256 with Elephant diffuser";
            case 0x8002 -> "AES-CBC-128";
            case 0x8003 -> "AES-CBC-256";
            case 0x8004 -> "XTS-AES-128";
            case 0x8005 -> "XTS-AES-256";
            default -> String.format(Locale.ROOT, "unknown (0x%04X)", method);
        };
    }

    private static final class Builder {
        String volumeGuid;
        int method;
        int sectorSize;
        boolean toGo;
        boolean conversionInProgress;
        long encryptedSize;
        long[] metadataOffsets;
        long headerOffset;
        long headerSize;
        String description;
        Instant created;
        List<Protector> protectors = new ArrayList<>();
        int usedCopy;
        byte[] fvekNonce;
        byte[] fvekMac;
        byte[] fvekEncrypted;
    }
}
