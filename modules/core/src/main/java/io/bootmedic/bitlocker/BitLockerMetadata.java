package io.bootmedic.bitlocker;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The unencrypted part of a BitLocker volume: header, the three FVE metadata copies (the first one
 * that parses and whose CRC-32 checks out is used: any problem with a copy means "try the next"),
 * the conversion state, protectors, the encrypted FVEK, where Windows moved the file system's
 * first sectors and, for a volume converted in used-space-only mode, the encrypt-on-write map.
 * Every length and offset goes through {@link LeBytes} and {@link Exact}; every problem is a
 * {@link BitLockerFormatException}.
 */
public final class BitLockerMetadata {
    static final int METADATA_AREA = 64 * 1024;
    static final String NORMAL_GUID = "4967D63B-2E29-4AD8-8399-F6A339E3D001";
    /** The header's identifier while encrypt-on-write structures exist (a used-space-only conversion). */
    static final String EOW_GUID = "92A84D3B-DD80-4D0E-9E4E-B1E3284EAED8";
    private static final long FILETIME_UNIX_EPOCH = 116444736000000000L;

    /** Metadata entry types (dissect.fve's FVE_DATUM_ROLE). */
    static final int ENTRY_VMK = 0x0002;
    static final int ENTRY_FVEK = 0x0003;
    static final int ENTRY_DESCRIPTION = 0x0007;
    static final int ENTRY_VIRTUALIZATION = 0x000F;
    /** Value types (FVE_DATUM_TYPE). */
    static final int VALUE_KEY = 0x0001;
    static final int VALUE_UNICODE = 0x0002;
    static final int VALUE_STRETCH_KEY = 0x0003;
    static final int VALUE_AES_CCM = 0x0005;
    static final int VALUE_VMK = 0x0008;
    static final int VALUE_OFFSET_SIZE = 0x000F;

    public final String volumeGuid;
    public final int method;
    public final int sectorSize;
    public final boolean toGo;
    /** The header carries the encrypt-on-write identifier: a used-space-only conversion left its map. */
    public final boolean conversionInProgress;
    public final FveState state;
    public final FveState nextState;
    /** The metadata's "encrypted volume size": the watermark of a classic conversion (the volume size in EOW mode). */
    public final long encryptedSize;
    public final long[] metadataOffsets;
    public final long headerOffset;
    public final long headerSize;
    public final String description;
    public final Instant created;
    public final List<Protector> protectors;
    public final int usedCopy;
    /** The encrypt-on-write map, or null (no EOW header, or unreadable: then {@link #eowProblem} says why). */
    public final EowMap eow;
    public final String eowProblem;
    final byte[] fvekNonce;
    final byte[] fvekMac;
    final byte[] fvekEncrypted;

    private BitLockerMetadata(Copy c, Header h, EowMap eow, String eowProblem) {
        volumeGuid = c.volumeGuid;
        method = c.method;
        sectorSize = h.sectorSize;
        toGo = h.toGo;
        conversionInProgress = h.eow;
        state = FveState.of(c.state);
        nextState = FveState.of(c.nextState);
        encryptedSize = c.encryptedSize;
        metadataOffsets = c.metadataOffsets;
        headerOffset = c.headerOffset;
        headerSize = c.headerSize;
        description = c.description;
        created = c.created;
        protectors = List.copyOf(c.protectors);
        usedCopy = c.copy;
        this.eow = eow;
        this.eowProblem = eowProblem;
        fvekNonce = c.fvekNonce;
        fvekMac = c.fvekMac;
        fvekEncrypted = c.fvekEncrypted;
    }

    /** Windows turned BitLocker off and finished: the data is plain and no key is needed. */
    public boolean decrypted() {
        return state == FveState.DECRYPTED;
    }

    public String methodName() {
        return EncryptionMethod.nameOf(method);
    }

    /** Whether the first sector says BitLocker: "-FVE-FS-" (system and data volumes) or "MSWIN4.1" with a BitLocker identifier (To Go). */
    public static boolean looksLikeBitLocker(byte[] firstSector) {
        try {
            LeBytes b = LeBytes.of(firstSector, "boot sector");
            String oem = b.ascii(3, 8);
            if (oem.equals("-FVE-FS-")) {
                return true;
            }
            if (oem.equals("MSWIN4.1")) {
                String g = b.guidText(424);
                return g.equals(NORMAL_GUID) || g.equals(EOW_GUID);
            }
            return false;
        } catch (FormatException e) {
            return false;
        }
    }

    /** What the volume header (first sector) says. */
    private record Header(int sectorSize, boolean toGo, boolean eow, long[] offsets, long[] eowOffsets) {
    }

    public static BitLockerMetadata read(BlockDevice volume) throws IOException {
        String name = volume.describe();
        if (volume.size() < 512) {
            throw new BitLockerFormatException(name + " is too small to be a BitLocker volume");
        }
        Header h;
        try {
            h = header(LeBytes.of(volume.read(0, 512), name + " boot sector"), name);
        } catch (BitLockerFormatException e) {
            throw e;
        } catch (FormatException e) {
            throw new BitLockerFormatException(name + ": the BitLocker volume header is damaged: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Copy c;
            try {
                c = parseCopy(volume, h.offsets[i], i + 1, h.sectorSize);
            } catch (FormatException e) {
                problems.add("copy " + (i + 1) + ": " + e.getMessage());
                continue;
            }
            EowMap eow = null;
            String eowProblem = null;
            if (h.eow) {
                try {
                    eow = EowMap.read(volume, h.eowOffsets, h.sectorSize);
                } catch (FormatException e) {
                    eowProblem = e.getMessage();
                }
            }
            return new BitLockerMetadata(c, h, eow, eowProblem);
        }
        throw new BitLockerFormatException(name + ": all three BitLocker metadata copies are damaged (" + String.join("; ", problems)
                + "). The volume cannot be unlocked here; nothing was written.");
    }

    private static Header header(LeBytes boot, String name) throws FormatException {
        String oem = boot.ascii(3, 8);
        int at;
        boolean toGo = false;
        if (oem.equals("-FVE-FS-")) {
            if (boot.u8(0) == 0xEB && boot.u8(1) == 0x52) {
                throw new BitLockerFormatException(name + " was encrypted by Windows Vista (BitLocker version 1), which bootmedic does not read");
            }
            at = 160;
        } else if (oem.equals("MSWIN4.1")) {
            at = 424;
            toGo = true;
        } else {
            throw new BitLockerFormatException(name + " is not a BitLocker volume (no -FVE-FS- signature)");
        }
        int sector = boot.u16(11);
        sector = sector == 0 ? 512 : sector;
        if (sector != 512 && sector != 1024 && sector != 2048 && sector != 4096) {
            throw new BitLockerFormatException(name + ": unsupported sector size " + sector);
        }
        // an identifier that is neither is read as the usual one: the metadata copies decide
        boolean eow = boot.guidText(at).equals(EOW_GUID);
        long[] offsets = new long[3];
        for (int i = 0; i < 3; i++) {
            offsets[i] = boot.s64(at + 16 + 8L * i); // an impossible one fails its own copy only
        }
        long[] eowOffsets = eow ? new long[]{boot.s64(at + 40), boot.s64(at + 48)} : new long[0];
        return new Header(sector, toGo, eow, offsets, eowOffsets);
    }

    /** One parsed metadata copy. */
    private static final class Copy {
        int copy;
        String volumeGuid;
        int method;
        int state;
        int nextState;
        long encryptedSize;
        long[] metadataOffsets;
        long headerOffset;
        long headerSize;
        String description;
        Instant created;
        final List<Protector> protectors = new ArrayList<>();
        byte[] fvekNonce;
        byte[] fvekMac;
        byte[] fvekEncrypted;
    }

    private static Copy parseCopy(BlockDevice volume, long offset, int index, int sectorSize) throws IOException {
        if (offset <= 0 || offset % 512 != 0 || offset > volume.size() - METADATA_AREA) {
            throw new BitLockerFormatException("offset " + Long.toUnsignedString(offset) + " is outside the volume");
        }
        byte[] raw = volume.read(offset, METADATA_AREA);
        LeBytes block = LeBytes.of(raw, "metadata copy " + index);
        if (!block.ascii(0, 8).equals("-FVE-FS-")) {
            throw new BitLockerFormatException("no -FVE-FS- signature");
        }
        int blockSize = block.u16(8) << 4;
        int version = block.u16(10);
        if (version != 2 || blockSize < 112 || blockSize + 8 > METADATA_AREA) {
            throw new BitLockerFormatException("unsupported metadata version " + version + " or size " + blockSize);
        }
        LeBytes validation = block.slice(blockSize, 8, "validation");
        if (validation.u16(0) < 8) {
            throw new BitLockerFormatException("no validation block");
        }
        CRC32 crc = new CRC32();
        crc.update(raw, 0, blockSize);
        if ((int) crc.getValue() != validation.s32(4)) {
            throw new BitLockerFormatException("CRC-32 mismatch");
        }
        Copy c = new Copy();
        c.copy = index;
        c.state = block.u16(12);
        c.nextState = block.u16(14);
        c.encryptedSize = block.u64(16, "encrypted volume size");
        long virtualizedSectors = block.u32(28);
        c.metadataOffsets = new long[]{block.u64(32, "metadata offset 1"), block.u64(40, "metadata offset 2"), block.u64(48, "metadata offset 3")};
        c.headerOffset = block.u64(56, "relocated boot sectors offset");
        int metadataSize = block.u32AsInt(64, "metadata size");
        if (metadataSize < 48 || metadataSize > blockSize - 64) {
            throw new BitLockerFormatException("metadata size " + metadataSize + " does not fit its block");
        }
        LeBytes m = block.slice(64, metadataSize, "metadata");
        c.volumeGuid = m.guidText(16);
        c.method = m.u16(36); // the high half can repeat the method (0x80048004)
        long filetime = m.s64(40);
        c.created = filetime < FILETIME_UNIX_EPOCH ? null : Instant.ofEpochSecond((filetime - FILETIME_UNIX_EPOCH) / 10_000_000L);
        parseEntries(m, 48, c);
        if (c.headerSize == 0) {
            // Windows 10 may leave out the 0xF entry: the block header counts the relocated sectors
            c.headerSize = virtualizedSectors > 0 ? Exact.multiply(virtualizedSectors, sectorSize, "relocated boot sectors") : 8192;
        }
        if (c.fvekEncrypted == null && c.state != FveState.DECRYPTED.code) {
            throw new BitLockerFormatException("no encrypted volume key (FVEK) entry");
        }
        return c;
    }

    private static void parseEntries(LeBytes m, int start, Copy c) throws FormatException {
        int end = m.length();
        int at = start;
        while (end - at >= 8) {
            int size = m.u16(at);
            if (size == 0) {
                break;
            }
            if (size < 8 || size > end - at) {
                throw new BitLockerFormatException("metadata entry at " + at + " has an impossible size " + size);
            }
            LeBytes e = m.slice(at, size, "entry at " + at);
            int type = e.u16(2);
            int value = e.u16(4);
            if (type == ENTRY_VMK && value == VALUE_VMK) {
                c.protectors.add(protector(e));
            } else if (type == ENTRY_FVEK && value == VALUE_AES_CCM && c.fvekEncrypted == null) {
                if (size < 8 + 12 + 16 + 12) {
                    throw new BitLockerFormatException("the encrypted volume key (FVEK) entry at " + at + " is too short (" + size + " bytes)");
                }
                c.fvekNonce = e.bytes(8, 12);
                c.fvekMac = e.bytes(20, 16);
                c.fvekEncrypted = e.bytes(36, size - 36);
            } else if (type == ENTRY_DESCRIPTION && value == VALUE_UNICODE && c.description == null) {
                c.description = e.utf16z(8, (size - 8) & ~1);
            } else if (type == ENTRY_VIRTUALIZATION && value == VALUE_OFFSET_SIZE && size >= 24) {
                c.headerOffset = e.u64(8, "relocated boot sectors offset");
                c.headerSize = e.u64(16, "relocated boot sectors size");
            }
            at += size;
        }
    }

    private static Protector protector(LeBytes e) throws FormatException {
        if (e.length() < 8 + 28) {
            throw new BitLockerFormatException("key protector " + e.what() + " is too short");
        }
        String id = e.guidText(8);
        int type = e.u16(8 + 26);
        byte[] salt = null;
        byte[] nonce = null;
        byte[] mac = null;
        byte[] encrypted = null;
        byte[] clearKey = null;
        String description = null;
        int p = 8 + 28;
        int end = e.length();
        while (end - p >= 8) {
            int s = e.u16(p);
            if (s == 0) {
                break;
            }
            if (s < 8 || s > end - p) {
                throw new BitLockerFormatException("a property of key protector " + id + " has an impossible size");
            }
            LeBytes prop = e.slice(p, s, "property at " + p);
            switch (prop.u16(4)) {
                case VALUE_STRETCH_KEY -> { // method (4), salt (16), nested entries
                    if (s >= 8 + 4 + 16) {
                        salt = prop.bytes(12, 16);
                    }
                }
                case VALUE_AES_CCM -> {
                    if (s > 8 + 28 && encrypted == null) {
                        nonce = prop.bytes(8, 12);
                        mac = prop.bytes(20, 16);
                        encrypted = prop.bytes(36, s - 36);
                    }
                }
                case VALUE_KEY -> { // a key in the clear: method (4) then the key
                    if (s > 12) {
                        clearKey = prop.bytes(12, s - 12);
                    }
                }
                case VALUE_UNICODE -> description = prop.utf16z(8, (s - 8) & ~1);
                default -> { }
            }
            p += s;
        }
        return new Protector(id, type, description, salt, nonce, mac, encrypted, clearKey);
    }

    /** What state the volume is in, for people: "encrypted", "decrypted (...)", "encryption paused at 40% ...". */
    public String stateDescription(long volumeSize) {
        if (decrypted()) {
            return "decrypted (BitLocker was turned off; the data is plain and needs no key)";
        }
        if (conversionInProgress) {
            if (eow == null) {
                return "being converted in used-space-only (encrypt-on-write) mode, and its map of encrypted parts is unreadable: cannot be decrypted";
            }
            long[] et = eow.encryptedAndTotal();
            String direction = nextState == FveState.DECRYPTED ? "decryption" : "encryption";
            if (et[0] >= et[1]) {
                return "encrypted (used-space-only conversion map: every chunk encrypted)";
            }
            return String.format(Locale.ROOT, "partly encrypted: used-space-only %s %s, %s of %s in encrypted chunks (%d%%)",
                    direction, state == FveState.ENCRYPTED ? "paused" : "in progress", mib(et[0]), mib(et[1]), percent(et[0], et[1]));
        }
        if (state == FveState.SWITCHING_DIRTY) {
            return "a conversion was interrupted mid-chunk (state 2): boot Windows once so it can finish it";
        }
        if (encryptedSize < volumeSize || state == FveState.PAUSED || state == FveState.SWITCHING) {
            String direction = nextState == FveState.DECRYPTED ? "decryption" : "encryption";
            return String.format(Locale.ROOT, "partly encrypted: %s paused, %s of %s still encrypted (%d%%)", direction,
                    mib(Math.min(encryptedSize, volumeSize)), mib(volumeSize), percent(Math.min(encryptedSize, volumeSize), volumeSize));
        }
        return "encrypted";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static long percent(long part, long whole) {
        return whole <= 0 ? 0 : part * 100 / whole;
    }
}
