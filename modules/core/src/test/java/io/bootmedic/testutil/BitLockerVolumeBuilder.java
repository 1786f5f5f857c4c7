package io.bootmedic.testutil;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.testutil.bitlocker.NtfsClusterMap;
import io.bootmedic.testutil.bitlocker.SectorEncryptor;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Builds a BitLocker volume from scratch around a plain NTFS image, in the layout Windows 8 and
 * later write: a "-FVE-FS-" volume header, three identical FVE metadata blocks (block header,
 * metadata header, entries: description, a recovery password protector, optionally a password
 * protector, the FVEK encrypted with the VMK, the relocated-boot-sectors entry; then the
 * validation: CRC-32 and the AES-CCM-encrypted SHA-256 of the block), the NTFS boot sectors
 * encrypted at their backup location, and every other sector encrypted at its own offset.
 *
 * <p>The metadata areas go where the NTFS image has free, all-zero clusters, so the decrypted
 * volume (which shows those areas as zeros) is byte for byte the input image. With
 * {@link #reserveMetadataClusters()} their clusters are also marked in use in $Bitmap (Windows
 * covers them with FVE2.{GUID} files), so writes through the unlocked volume never land there;
 * the decrypted volume then differs from the input in those bitmap bits only.
 *
 * <p>Written from the format description (libbde's documentation, dislocker's structures and
 * Windows-made volumes), not from bootmedic's reader, so that the independent readers (bdeinfo,
 * dislocker) are the judges.
 */
public final class BitLockerVolumeBuilder {
    /** BitLocker's identifier in the volume header: 4967D63B-2E29-4AD8-8399-F6A339E3D001. */
    private static final String BITLOCKER_GUID = "4967D63B-2E29-4AD8-8399-F6A339E3D001";
    private static final int METADATA_AREA = 0x10000;
    private static final int HEADER_AREA = 0x2000;
    private static final int STRETCH_ROUNDS = 0x100000;

    public enum Method {
        AES_CBC_128_ELEPHANT(0x8000, "AES-CBC-128 with Elephant diffuser", "AES-CBC 128-bit with Diffuser", 64),
        AES_CBC_256_ELEPHANT(0x8001, "AES-CBC-256 with Elephant diffuser", "AES-CBC 256-bit with Diffuser", 64),
        AES_CBC_128(0x8002, "AES-CBC-128", "AES-CBC 128-bit", 16),
        AES_CBC_256(0x8003, "AES-CBC-256", "AES-CBC 256-bit", 32),
        XTS_AES_128(0x8004, "XTS-AES-128", "AES-XTS 128-bit", 32),
        XTS_AES_256(0x8005, "XTS-AES-256", "AES-XTS 256-bit", 64);

        public final int id;
        /** As manage-bde (and bootmedic) name it. */
        public final String windowsName;
        /** As bdeinfo (libbde) prints it. */
        public final String bdeinfoName;
        /** Bytes of key material in the FVEK entry (Elephant: FVEK in the first 32, tweak key in the last 32). */
        public final int fvekLength;

        Method(int id, String windowsName, String bdeinfoName, int fvekLength) {
            this.id = id;
            this.windowsName = windowsName;
            this.bdeinfoName = bdeinfoName;
            this.fvekLength = fvekLength;
        }
    }

    /** What was built, with the secrets a test may want to check against. */
    public record Built(Path image, Method method, int sectorSize, String volumeGuid, String recoveryKeyId, String passwordKeyId,
                        long[] metadataOffsets, long headerOffset, byte[] vmk, byte[] fvek, String plaintextSha256) {
    }

    private final Path ntfs;
    private String recoveryPassword;
    private String password;
    private Method method = Method.XTS_AES_128;
    private Random random = new SecureRandom();
    private String description = "BOOTMEDIC-TEST C: 1/2/2025";
    private Instant created = Instant.now();
    private boolean reserve;
    private boolean decryptedState;
    private int eowChunk;
    private java.util.function.LongPredicate eowEncrypted;
    /** The encrypt-on-write structures (two info copies, two bitmaps with their conversion logs) go into 32 KiB after metadata copy 2. */
    private static final int EOW_AREA = 0x8000;
    private static final String EOW_GUID = "92A84D3B-DD80-4D0E-9E4E-B1E3284EAED8";

    private BitLockerVolumeBuilder(Path ntfs) {
        this.ntfs = ntfs;
    }

    public static BitLockerVolumeBuilder around(Path ntfsImage) {
        return new BitLockerVolumeBuilder(ntfsImage);
    }

    /** 48 digits, with or without dashes; checked (each group divisible by 11, below 720896). */
    public BitLockerVolumeBuilder recoveryPassword(String rp) {
        try {
            RecoveryPassword.parse(rp);
        } catch (Exception e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.recoveryPassword = rp;
        return this;
    }

    public BitLockerVolumeBuilder password(String pw) {
        this.password = pw;
        return this;
    }

    public BitLockerVolumeBuilder method(Method m) {
        this.method = m;
        return this;
    }

    /** Keys, GUIDs, salts and nonces from a seeded generator: the same seed and input give the same image. */
    public BitLockerVolumeBuilder seed(long seed) {
        this.random = new Random(seed);
        this.created = Instant.parse("2025-01-02T03:04:05Z").plusSeconds(seed & 0xFFFF);
        return this;
    }

    public BitLockerVolumeBuilder description(String d) {
        this.description = d;
        return this;
    }

    /**
     * A volume Windows finished decrypting: the header and metadata are left in place with the
     * state DECRYPTED (1, next state 1), no protectors and no FVEK (only the relocated-boot-sectors
     * entry remains, as in dissect.fve's decrypted sample), and every sector, the relocated boot
     * sectors included, is plain.
     */
    public BitLockerVolumeBuilder decrypted() {
        this.decryptedState = true;
        return this;
    }

    /**
     * A used-space-only ("encrypt on write") conversion caught part way: the header carries the
     * EOW identifier and the offsets of two FVE-EOW information copies; the volume is split into two
     * regions, each with an FVE-EOWBM bitmap block holding two FVE-EOWBR records (the newer one in
     * force, the older one with every bit clear) and a conversion log; chunk {@code n} (of
     * {@code chunkSize} bytes from the volume start) is stored encrypted when
     * {@code encrypted.test(n)}, else plain. Laid out as dissect.fve's c_bde.py describes it.
     */
    public BitLockerVolumeBuilder encryptOnWrite(int chunkSize, java.util.function.LongPredicate encrypted) {
        this.eowChunk = chunkSize;
        this.eowEncrypted = encrypted;
        return this;
    }

    public BitLockerVolumeBuilder reserveMetadataClusters() {
        this.reserve = true;
        return this;
    }

    /** A valid random recovery password: 8 groups of 11 × a 16-bit value. */
    public static String randomRecoveryPassword(Random r) {
        StringBuilder s = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            s.append(g == 0 ? "" : "-").append(String.format(Locale.ROOT, "%06d", r.nextInt(65536) * 11));
        }
        return s.toString();
    }

    /** Writes the encrypted volume to {@code out} (replaced); on failure nothing is left there. */
    public Built build(Path out) throws IOException, GeneralSecurityException {
        if (recoveryPassword == null && !decryptedState) {
            throw new IllegalStateException("a recovery password is required");
        }
        java.nio.file.Files.deleteIfExists(out);
        try {
            return write(out);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            java.nio.file.Files.deleteIfExists(out);
            throw e;
        }
    }

    private Built write(Path out) throws IOException, GeneralSecurityException {
        try (RandomAccessFile in = new RandomAccessFile(ntfs.toFile(), "r");
             RandomAccessFile img = new RandomAccessFile(out.toFile(), "rw")) {
            long size = in.length();
            NtfsClusterMap map = NtfsClusterMap.read(in);
            int sector = map.bytesPerSector;
            if (size % sector != 0 || size < 8L << 20) {
                throw new IOException(ntfs + ": size " + size + " is not a whole number of " + sector + "-byte sectors of at least 8 MiB");
            }
            int extra = eowEncrypted != null ? EOW_AREA : 0;
            long[] areas = chooseAreas(in, map, size, extra);
            long headerOffset = areas[0] + METADATA_AREA;
            if (reserve) {
                map.reserve(areas[0], METADATA_AREA + HEADER_AREA);
                map.reserve(areas[1], METADATA_AREA + extra);
                map.reserve(areas[2], METADATA_AREA);
            }
            long eowBase = areas[1] + METADATA_AREA;

            byte[] vmk = bytes(32);
            byte[] fvek = bytes(method.fvekLength);
            if (method == Method.AES_CBC_128_ELEPHANT) {
                Arrays.fill(fvek, 16, 32, (byte) 0); // only the first 16 bytes of each 32-byte half are used
                Arrays.fill(fvek, 48, 64, (byte) 0);
            }
            byte[] volumeGuid = guid();
            byte[] recoveryGuid = guid();
            byte[] passwordGuid = password == null ? null : guid();
            long filetime = created.getEpochSecond() * 10_000_000L + created.getNano() / 100 + 116444736000000000L;
            Nonces nonces = new Nonces(filetime);

            // entries, in the order Windows 10 writes them
            ByteArrayOutputStream entries = new ByteArrayOutputStream();
            if (decryptedState) {
                entries.writeBytes(entry(0x000F, 0x000F, le(16).putLong(headerOffset).putLong(HEADER_AREA).array()));
                byte[] block = metadataBlock(size, sector, areas, headerOffset, volumeGuid, filetime, entries.toByteArray(), nonces);
                CRC32 crc = new CRC32();
                crc.update(block);
                ByteBuffer area = le(METADATA_AREA);
                area.put(block);
                area.putShort((short) 8).putShort((short) 2).putInt((int) crc.getValue());
                String sha = writeData(in, img, map, size, sector, areas, headerOffset, null, 0, null);
                img.seek(0);
                img.write(volumeHeader(in, sector, areas, null));
                for (long a : areas) {
                    img.seek(a);
                    img.write(area.array());
                }
                return new Built(out, method, sector, guidString(volumeGuid), null, null, areas.clone(), headerOffset, null, null, sha);
            }
            entries.writeBytes(entry(0x0007, 0x0002, utf16z(description)));
            entries.writeBytes(vmkEntry(recoveryGuid, filetime, 0x0800, 0x1000,
                    sha256(recoveryKey(recoveryPassword)), vmk, nonces));
            if (password != null) {
                byte[] initial = sha256(sha256(password.getBytes(StandardCharsets.UTF_16LE)));
                entries.writeBytes(vmkEntry(passwordGuid, filetime, 0x2000, 0x1001, initial, vmk, nonces));
            }
            entries.writeBytes(entry(0x0003, 0x0005, ccm(vmk, nonces.next(), keyDatum(method.id, fvek))));
            entries.writeBytes(entry(0x000F, 0x000F, le(16).putLong(headerOffset).putLong(HEADER_AREA).array()));

            byte[] block = metadataBlock(size, sector, areas, headerOffset, volumeGuid, filetime, entries.toByteArray(), nonces);
            // the validation: CRC-32 of the block, then SHA-256 of the block in a key datum encrypted with the VMK
            byte[] validationHash = ccm(vmk, nonces.next(), keyDatum(0x2005, sha256(block)));
            CRC32 crc = new CRC32();
            crc.update(block);
            ByteBuffer area = le(METADATA_AREA);
            area.put(block);
            area.putShort((short) (METADATA_AREA - block.length)).putShort((short) 2).putInt((int) crc.getValue());
            area.put(entry(0x0000, 0x0005, validationHash));

            SectorEncryptor enc = encryptor(method, fvek, sector);
            String sha = writeData(in, img, map, size, sector, areas, headerOffset, enc, eowChunk, eowEncrypted);
            long[] eowOffsets = eowEncrypted == null ? null : new long[]{eowBase, eowBase + 0x1000};
            img.seek(0);
            img.write(volumeHeader(in, sector, areas, eowOffsets));
            for (long a : areas) {
                img.seek(a);
                img.write(area.array());
            }
            if (eowEncrypted != null) {
                writeEow(img, size, sector, eowBase);
            }
            return new Built(out, method, sector, guidString(volumeGuid), guidString(recoveryGuid),
                    passwordGuid == null ? null : guidString(passwordGuid), areas.clone(), headerOffset, vmk, fvek, sha);
        }
    }

    private static SectorEncryptor encryptor(Method m, byte[] fvek, int sector) throws GeneralSecurityException {
        return switch (m) {
            case XTS_AES_128 -> SectorEncryptor.xts(Arrays.copyOfRange(fvek, 0, 16), Arrays.copyOfRange(fvek, 16, 32), sector);
            case XTS_AES_256 -> SectorEncryptor.xts(Arrays.copyOfRange(fvek, 0, 32), Arrays.copyOfRange(fvek, 32, 64), sector);
            case AES_CBC_128 -> SectorEncryptor.cbc(fvek);
            case AES_CBC_256 -> SectorEncryptor.cbc(fvek);
            case AES_CBC_128_ELEPHANT -> SectorEncryptor.elephant(Arrays.copyOfRange(fvek, 0, 16), Arrays.copyOfRange(fvek, 32, 48));
            case AES_CBC_256_ELEPHANT -> SectorEncryptor.elephant(Arrays.copyOfRange(fvek, 0, 32), Arrays.copyOfRange(fvek, 32, 64));
        };
    }

    /**
     * Three places for the metadata (the first followed by the 8 KiB for the relocated boot
     * sectors), near 35%, 55% and 75% of the volume as Windows spreads them: clusters free in
     * $Bitmap, all zeros in the image, inside the file system's sectors.
     */
    private static long[] chooseAreas(RandomAccessFile in, NtfsClusterMap map, long size, int extra) throws IOException {
        long step = Math.max(map.clusterSize, 4096);
        long limit = Math.min(size, map.totalSectors * map.bytesPerSector);
        double[] targets = {0.35, 0.55, 0.75};
        long[] areas = new long[3];
        for (int i = 0; i < 3; i++) {
            int length = i == 0 ? METADATA_AREA + HEADER_AREA : i == 1 ? METADATA_AREA + extra : METADATA_AREA;
            long start = (long) (limit * targets[i]) / step * step;
            long found = -1;
            for (long o = start; found < 0 && o + length <= limit; o += step) {
                if (usable(in, map, o, length, areas, i, extra)) {
                    found = o;
                }
            }
            for (long o = start - step; found < 0 && o >= 0x10000; o -= step) {
                if (usable(in, map, o, length, areas, i, extra)) {
                    found = o;
                }
            }
            if (found < 0) {
                throw new IOException("no free, zero-filled " + length + "-byte run of clusters for BitLocker metadata copy " + (i + 1));
            }
            areas[i] = found;
        }
        return areas;
    }

    private static boolean usable(RandomAccessFile in, NtfsClusterMap map, long o, int length, long[] chosen, int count, int extra) throws IOException {
        for (int j = 0; j < count; j++) {
            long len = j == 0 ? METADATA_AREA + HEADER_AREA : j == 1 ? METADATA_AREA + extra : METADATA_AREA;
            if (o < chosen[j] + len && chosen[j] < o + length) {
                return false;
            }
        }
        if (!map.free(o, length)) {
            return false;
        }
        byte[] buf = new byte[length];
        in.seek(o);
        in.readFully(buf);
        for (byte b : buf) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Streams the plain image through: the boot sectors (first 8 KiB) go, encrypted with their new
     * location's tweak, to the header backup area; physical sectors 1.. of that first 8 KiB hold
     * encrypted zeros; metadata areas are written afterwards. Returns the SHA-256 of the plaintext
     * a reader should present (the input with the $Bitmap changes, if any).
     */
    private static String writeData(RandomAccessFile in, RandomAccessFile img, NtfsClusterMap map, long size, int sector,
                                    long[] areas, long headerOffset, SectorEncryptor enc, int eowChunkSize,
                                    java.util.function.LongPredicate chunkEncrypted) throws IOException, GeneralSecurityException {
        MessageDigest sha = sha();
        img.setLength(size);
        byte[] bootSectors = new byte[HEADER_AREA];
        int chunk = 1 << 20;
        byte[] buf = new byte[chunk];
        for (long off = 0; off < size; off += chunk) {
            int n = (int) Math.min(chunk, size - off);
            in.seek(off);
            in.readFully(buf, 0, n);
            map.patch(buf, off, n);
            sha.update(buf, 0, n);
            for (int s = 0; s < n; s += sector) {
                long at = off + s;
                if (at < HEADER_AREA) {
                    System.arraycopy(buf, s, bootSectors, (int) at, sector);
                    Arrays.fill(buf, s, s + sector, (byte) 0);
                }
                boolean metadata = false;
                for (long a : areas) {
                    metadata |= at >= a && at < a + METADATA_AREA;
                }
                if (metadata || (at >= headerOffset && at < headerOffset + HEADER_AREA)) {
                    continue; // written below / afterwards
                }
                if (stored(enc, eowChunkSize, chunkEncrypted, at)) {
                    enc.encrypt(buf, s, sector, at);
                }
            }
            img.seek(off);
            img.write(buf, 0, n);
        }
        for (int s = 0; s < HEADER_AREA; s += sector) {
            if (stored(enc, eowChunkSize, chunkEncrypted, headerOffset + s)) {
                enc.encrypt(bootSectors, s, sector, headerOffset + s);
            }
        }
        img.seek(headerOffset);
        img.write(bootSectors);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Whether the sector at {@code at} is stored encrypted: always, never (decrypted), or as the encrypt-on-write chunk says. */
    private static boolean stored(SectorEncryptor enc, int chunk, java.util.function.LongPredicate chunkEncrypted, long at) {
        return enc != null && (chunkEncrypted == null || chunkEncrypted.test(at / chunk));
    }

    /** Two FVE-EOW information copies, then per region a bitmap block and its conversion log, from {@code base} on. */
    private void writeEow(RandomAccessFile img, long size, int sector, long base) throws IOException {
        long half = size / 2 / eowChunk * eowChunk;
        // Windows starts the first region after the volume header's 8 KiB; from 0 the chunks stay aligned to the volume, which keeps tests simple
        long[][] regions = {{0, half}, {half, size - half}};
        long[] bitmapAt = {base + 0x2000, base + 0x5000};
        int convLog = 0x1000;
        ByteBuffer info = le(56 + 16);
        info.put("FVE-EOW\0".getBytes(StandardCharsets.US_ASCII)).putShort((short) 56).putShort((short) (56 + 16))
                .putInt(sector).putInt(sector).putInt(eowChunk).putInt(convLog).putInt(0x40400).putInt(2).putInt(0)
                .putLong(base).putLong(base + 0x1000).putLong(bitmapAt[0]).putLong(bitmapAt[1]);
        crcAt(info.array(), 0, info.capacity(), 36);
        for (long at : new long[]{base, base + 0x1000}) {
            img.seek(at);
            img.write(info.array());
        }
        for (int r = 0; r < 2; r++) {
            long chunks = (regions[r][1] + eowChunk - 1) / eowChunk;
            int recordSize = (int) ((36 + (chunks + 7) / 8 + sector - 1) / sector * sector);
            ByteBuffer bm = le(0x200 + 2 * recordSize);
            bm.put("FVE-EOWBM\0".getBytes(StandardCharsets.US_ASCII)).putShort((short) 60).putInt(bm.capacity()).putInt(r)
                    .putLong(regions[r][0]).putLong(regions[r][1]).putLong(bitmapAt[r] + 0x1000)
                    .putInt(0x200).putInt(0x200 + recordSize).putInt(recordSize).putInt(0);
            crcAt(bm.array(), 0, 0x200, 56);
            for (int k = 0; k < 2; k++) {
                int at = 0x200 + k * recordSize;
                byte[] bits = new byte[(int) ((chunks + 7) / 8)];
                long first = regions[r][0] / eowChunk;
                for (long c = 0; c < chunks && k == 0; c++) {
                    if (eowEncrypted.test(first + c)) {
                        bits[(int) (c >>> 3)] |= (byte) (1 << (c & 7));
                    }
                }
                bm.position(at);
                bm.put("FVE-EOWBR\0".getBytes(StandardCharsets.US_ASCII)).putShort((short) 36).putInt(recordSize).putInt((int) chunks)
                        .putLong(k == 0 ? 9 : 8).putInt(2).putInt(0).put(bits);
                crcAt(bm.array(), at, recordSize, 32);
            }
            img.seek(bitmapAt[r]);
            img.write(bm.array());
            img.seek(bitmapAt[r] + 0x1000);
            img.write(le(64).put("OLRDHEVF2".getBytes(StandardCharsets.US_ASCII)).array());
        }
    }

    /** Stores the CRC-32 of {@code length} bytes from {@code from}, with the CRC field itself counted as zeros, at {@code from + crcAt}. */
    private static void crcAt(byte[] b, int from, int length, int crcAt) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(from + crcAt, 0);
        CRC32 crc = new CRC32();
        crc.update(b, from, length);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(from + crcAt, (int) crc.getValue());
    }

    /** The first sector: FAT32-like BPB with the "-FVE-FS-" signature, BitLocker's GUID and the three metadata offsets. */
    private static byte[] volumeHeader(RandomAccessFile in, int sector, long[] areas, long[] eowOffsets) throws IOException {
        byte[] ntfsBoot = new byte[512];
        in.seek(0);
        in.readFully(ntfsBoot);
        ByteBuffer nb = ByteBuffer.wrap(ntfsBoot).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer h = le(sector);
        h.put(new byte[]{(byte) 0xEB, 0x58, (byte) 0x90}).put("-FVE-FS-".getBytes(StandardCharsets.US_ASCII));
        h.putShort(11, (short) sector);
        h.put(13, ntfsBoot[13]);
        h.put(21, (byte) 0xF8);
        h.putShort(24, nb.getShort(24)); // sectors per track
        h.putShort(26, nb.getShort(26)); // heads
        h.putInt(28, nb.getInt(28));     // hidden sectors: where the volume starts on its disk
        h.putInt(36, 0x1FE0);
        h.putShort(48, (short) 1).putShort(50, (short) 6);
        h.put(64, (byte) 0x80).put(66, (byte) 0x29).putInt(67, nb.getInt(72));
        h.put(71, "NO NAME    FAT32   ".getBytes(StandardCharsets.US_ASCII));
        h.put(160, guidBytes(eowOffsets == null ? BITLOCKER_GUID : EOW_GUID));
        h.putLong(176, areas[0]).putLong(184, areas[1]).putLong(192, areas[2]);
        if (eowOffsets != null) {
            h.putLong(200, eowOffsets[0]).putLong(208, eowOffsets[1]);
        }
        h.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        return h.array();
    }

    private byte[] metadataBlock(long size, int sector, long[] areas, long headerOffset, byte[] volumeGuid, long filetime,
                                 byte[] entries, Nonces nonces) {
        int metadataSize = 48 + entries.length;
        int blockSize = (64 + metadataSize + 15) & ~15;
        ByteBuffer b = le(blockSize);
        b.put("-FVE-FS-".getBytes(StandardCharsets.US_ASCII));
        b.putShort((short) (blockSize >> 4)).putShort((short) 2);
        short state = (short) (decryptedState ? 1 : 4);
        b.putShort(state).putShort(state);                   // current and next state: encrypted (or decrypted)
        b.putLong(decryptedState ? 0 : size);                // encrypted volume size: all of it
        b.putInt(0);                                         // conversion size
        b.putInt(HEADER_AREA / sector);                      // number of relocated boot sectors
        b.putLong(areas[0]).putLong(areas[1]).putLong(areas[2]);
        b.putLong(headerOffset);
        b.putInt(metadataSize).putInt(1).putInt(48).putInt(metadataSize);
        b.put(volumeGuid);
        b.putInt(nonces.counter + 2);                        // the validation takes the next one
        b.putInt(decryptedState ? 0 : method.id);
        b.putLong(filetime);
        b.put(entries);
        return b.array();
    }

    /** A key protector: GUID, time, protection type; properties: stretch key (method, salt) and the VMK encrypted with the stretched key. */
    private byte[] vmkEntry(byte[] guid, long filetime, int protection, int stretchMethod, byte[] initialHash, byte[] vmk, Nonces nonces)
            throws GeneralSecurityException {
        byte[] salt = bytes(16);
        byte[] key = stretch(initialHash, salt);
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(guid);
        p.writeBytes(le(8).putLong(filetime).array());
        p.writeBytes(le(4).putShort((short) 0).putShort((short) protection).array());
        p.writeBytes(entry(0x0000, 0x0003, le(20).putInt(stretchMethod).put(salt).array()));
        p.writeBytes(entry(0x0000, 0x0005, ccm(key, nonces.next(), keyDatum(0x2003, vmk))));
        return entry(0x0002, 0x0008, p.toByteArray());
    }

    /** The 16 bytes a recovery password stands for: each 6-digit group divided by 11, as little-endian 16-bit values. */
    static byte[] recoveryKey(String rp) {
        String digits = rp.replaceAll("[^0-9]", "");
        ByteBuffer b = le(16);
        for (int g = 0; g < 8; g++) {
            b.putShort((short) (Integer.parseInt(digits.substring(6 * g, 6 * g + 6)) / 11));
        }
        return b.array();
    }

    /** 2^20 rounds of SHA-256 over (last hash, initial hash, salt, 64-bit counter). */
    static byte[] stretch(byte[] initial, byte[] salt) {
        MessageDigest sha = sha();
        ByteBuffer b = le(88);
        b.put(32, initial).put(64, salt);
        byte[] last = new byte[32];
        for (long i = 0; i < STRETCH_ROUNDS; i++) {
            b.put(0, last).putLong(80, i);
            last = sha.digest(b.array());
        }
        return last;
    }

    /** An unencrypted key datum as it is stored inside an AES-CCM entry: size, type 0, value type 1 (key), method, key. */
    private static byte[] keyDatum(int keyMethod, byte[] key) {
        return le(12 + key.length).putShort((short) (12 + key.length)).putShort((short) 0).putShort((short) 1).putShort((short) 0)
                .putInt(keyMethod).put(key).array();
    }

    /** AES-CCM with a 12-byte nonce and 16-byte tag, laid out as BitLocker stores it: nonce, tag, ciphertext. */
    private static byte[] ccm(byte[] key, byte[] nonce, byte[] plain) {
        CCMBlockCipher ccm = new CCMBlockCipher(AESEngine.newInstance());
        ccm.init(true, new AEADParameters(new KeyParameter(key), 128, nonce));
        byte[] out = new byte[ccm.getOutputSize(plain.length)];
        try {
            int n = ccm.processBytes(plain, 0, plain.length, out, 0);
            ccm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException(e);
        }
        return ByteBuffer.allocate(12 + out.length).put(nonce).put(out, plain.length, 16).put(out, 0, plain.length).array();
    }

    /** An FVE metadata entry: size, entry type, value type, version 1, data. */
    private static byte[] entry(int type, int valueType, byte[] data) {
        return le(8 + data.length).putShort((short) (8 + data.length)).putShort((short) type).putShort((short) valueType)
                .putShort((short) 1).put(data).array();
    }

    private static byte[] utf16z(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_16LE);
    }

    /** Nonces are a FILETIME and a counter that goes up by one for every encrypted datum. */
    private static final class Nonces {
        final long filetime;
        int counter = -1;

        Nonces(long filetime) {
            this.filetime = filetime;
        }

        byte[] next() {
            counter++;
            return le(12).putLong(filetime).putInt(counter).array();
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A random (version 4) GUID in on-disk byte order. */
    private byte[] guid() {
        byte[] g = bytes(16);
        g[7] = (byte) ((g[7] & 0x0F) | 0x40);
        g[8] = (byte) ((g[8] & 0x3F) | 0x80);
        return g;
    }

    /** On disk a GUID's first three fields are little-endian. */
    public static String guidString(byte[] g) {
        ByteBuffer b = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN);
        return String.format(Locale.ROOT, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", b.getInt(0), b.getShort(4), b.getShort(6),
                g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    }

    static byte[] guidBytes(String s) {
        String hex = s.replace("-", "");
        byte[] raw = HexFormat.of().parseHex(hex);
        ByteBuffer b = le(16);
        b.putInt(ByteBuffer.wrap(raw, 0, 4).getInt()).putShort(ByteBuffer.wrap(raw, 4, 2).getShort()).putShort(ByteBuffer.wrap(raw, 6, 2).getShort());
        b.put(raw, 8, 8);
        return b.array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] sha256(byte[] data) {
        return sha().digest(data);
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
