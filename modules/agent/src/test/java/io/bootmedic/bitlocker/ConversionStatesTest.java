package io.bootmedic.bitlocker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.testutil.BitLockerVolumeBuilder;
import io.bootmedic.testutil.BitLockerVolumeBuilder.Built;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.DeviceHash;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongPredicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Volumes Windows left between states, built by {@link BitLockerVolumeBuilder} around an NTFS
 * image holding the practice tree: one Windows finished decrypting (issue 12 #10) and one caught in
 * a used-space-only ("encrypt on write") conversion, some chunks encrypted and some still plain
 * (#9). The oracle is the input image: whatever is stored, the volume must read back as it.
 * The layouts follow dissect.fve's c_bde.py; during development bootmedic's reader was also checked
 * against dissect.fve's own Windows-made samples (eow_partial, decrypted, win7_partial), whose boot
 * sectors it reads as NTFS.
 */
class ConversionStatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RP = BuiltVolumeTest.RP;
    private static final int CHUNK = 1 << 20;
    /** Two of every three chunks encrypted; chunk 1, 4, 7, ... still plain. */
    private static final LongPredicate PATTERN = n -> n % 3 != 1;

    @TempDir
    static Path shared;
    static Path plain;
    static String plainSha;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeNtfs() throws Exception {
        plain = BuiltVolumeTest.practiceNtfs(shared.resolve("plain.ntfs"));
        plainSha = BuiltVolumeTest.sha256(plain);
    }

    @Test
    void aVolumeWindowsFinishedDecryptingOpensWithoutAKey() throws Exception {
        Path img = tmp.resolve("decrypted.img");
        Built built = BitLockerVolumeBuilder.around(plain).decrypted().seed(11).build(img);
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertTrue(md.decrypted());
            assertTrue(md.protectors.isEmpty());
            assertEquals(plainSha, DeviceHash.sha256(BitLockerBlockDevice.decrypted(dev, md)));
        }
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals("decrypted", v.get("state").asText(), info.out);
        assertEquals(built.volumeGuid(), v.get("volumeGuid").asText());

        Path out = tmp.resolve("copy.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString());
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertEquals(plainSha, BuiltVolumeTest.sha256(out));

        Cli scan = Cli.run("scan", "--image", img.toString(), "--json");
        assertEquals(1, scan.exit, scan.toString());
        assertEquals("needs-fix", JSON.readTree(scan.out).get("outcome").asText(), scan.out);
        Cli fix = Cli.run("fix", "--image", img.toString(), "--json");
        assertEquals(0, fix.exit, fix.toString());
        assertEquals("quarantined", JSON.readTree(fix.out).get("volumes").get(0).get("actions").get(0).get("action").asText(), fix.out);
    }

    @Test
    void aUsedSpaceOnlyConversionReadsPlainChunksPlainAndWritesKeepEachAsItIs() throws Exception {
        Path img = tmp.resolve("eow.img");
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).encryptOnWrite(CHUNK, PATTERN).seed(12).build(img);
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertTrue(md.conversionInProgress);
            assertNotNull(md.eow, md.eowProblem);
            BitLockerBlockDevice view = new BitLockerBlockDevice(dev, md, Unlocker.withRecoveryPassword(md, io.bootmedic.keys.RecoveryPassword.parse(RP)).fvek());
            assertEquals(plainSha, DeviceHash.sha256(view), "plain chunks read as stored, encrypted ones decrypted");
        }
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals("partially encrypted", v.get("state").asText(), info.out);
        assertTrue(v.get("conversion").asText().contains("used-space-only encryption paused"), info.out);

        Path out = tmp.resolve("eow.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), "--recovery-password", RP);
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertEquals(plainSha, BuiltVolumeTest.sha256(out));

        Cli scan = Cli.run("scan", "--image", img.toString(), "--recovery-password", RP, "--json");
        assertEquals("needs-fix", JSON.readTree(scan.out).get("outcome").asText(), scan.toString());
        Cli fix = Cli.run("fix", "--image", img.toString(), "--recovery-password", RP, "--json");
        assertEquals(0, fix.exit, fix.toString());

        // after the write: every sector of a plain chunk is stored as the volume reads it, every
        // sector of an encrypted chunk is the reference encryption of what the volume reads there
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            BitLockerBlockDevice view = new BitLockerBlockDevice(dev, md, built.fvek());
            ReferenceSectorCipher ref = ReferenceSectorCipher.forMethod(md.method, built.fvek());
            int plainChecked = 0;
            int encryptedChecked = 0;
            for (long off = 0x100000; off < dev.size(); off += 4096) {
                if (reserved(md, off)) {
                    continue;
                }
                byte[] shown = view.read(off, 512);
                byte[] stored = dev.read(off, 512);
                if (PATTERN.test(off / CHUNK)) {
                    byte[] decrypted = stored.clone();
                    ref.decrypt(decrypted, 0, 512, off / 512, off);
                    assertArrayEquals(shown, decrypted, "encrypted chunk at " + off);
                    encryptedChecked++;
                } else {
                    assertArrayEquals(shown, stored, "plain chunk at " + off);
                    plainChecked++;
                }
            }
            assertTrue(plainChecked > 1000 && encryptedChecked > 1000, plainChecked + " / " + encryptedChecked);
        }
        Cli again = Cli.run("scan", "--image", img.toString(), "--recovery-password", RP, "--json");
        assertEquals("clean", JSON.readTree(again.out).get("outcome").asText(), again.toString());
    }

    /**
     * Issue 21: the preflight comes before the first write of the whole run, not only of its own
     * volume. Partition 1 holds a plain NTFS that needs fixing, whose journal Windows left unclean
     * (so {@code --journal reset} writes as soon as it is opened for writing), partition 2 a
     * used-space-only conversion whose map (CRC-32s right) puts its last region past the end of the
     * partition: the fix is refused with exit 2 and one line naming partition 2 and the bitmap, and
     * the disk is not written at all (before issue 21, partition 1 was opened, and its journal
     * reset, before partition 2 was looked at).
     */
    @Test
    void aDamagedMapOnTheSecondVolumeIsRefusedBeforeTheFirstIsWritten() throws Exception {
        Path eow = tmp.resolve("eow.img");
        BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).encryptOnWrite(CHUNK, PATTERN).seed(14).build(eow);
        long bitmap2;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(eow.toFile(), "rw")) {
            byte[] boot = new byte[512];
            f.readFully(boot);
            long info = le(boot).getLong(200);
            byte[] head = new byte[72];
            f.seek(info);
            f.readFully(head);
            bitmap2 = le(head).getLong(64);
            byte[] block = new byte[512];
            f.seek(bitmap2);
            f.readFully(block);
            le(block).putLong(28, le(block).getLong(28) + (1 << 20)); // region 2 one MiB longer than the volume
            le(block).putInt(56, 0);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(block, 0, 512);
            le(block).putInt(56, (int) crc.getValue());
            f.seek(bitmap2);
            f.write(block);
        }
        Path ntfs = tmp.resolve("p1.ntfs");
        Files.copy(plain, ntfs);
        io.bootmedic.testutil.UncleanLog.make(ntfs); // with --journal reset, opening partition 1 for writing writes at once
        Path disk = tmp.resolve("two.img");
        long sectors1 = Files.size(ntfs) / 512;
        long sectors2 = Files.size(eow) / 512;
        io.bootmedic.testutil.Tools.ok("truncate", "-s", Long.toString((2048 + sectors1 + sectors2 + 2048) * 512), disk.toString());
        io.bootmedic.testutil.Tools.ok("sgdisk", "-n", "1:2048:" + (2048 + sectors1 - 1), "-t", "1:0700",
                "-n", "2:" + (2048 + sectors1) + ":" + (2048 + sectors1 + sectors2 - 1), "-t", "2:0700", disk.toString());
        io.bootmedic.testutil.Tools.ok("dd", "if=" + ntfs, "of=" + disk, "bs=512", "seek=2048", "conv=notrunc,sparse", "status=none");
        io.bootmedic.testutil.Tools.ok("dd", "if=" + eow, "of=" + disk, "bs=512", "seek=" + (2048 + sectors1), "conv=notrunc,sparse", "status=none");
        Cli scan = Cli.run("scan", "--image", disk.toString(), "--recovery-password", RP);
        assertEquals(2, scan.exit, scan.toString());

        String before = BuiltVolumeTest.sha256(disk);
        // a write of the same bytes (a read-write mount rewriting what is there) leaves the hash but not the time of change
        java.nio.file.attribute.FileTime stamp = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(disk, stamp);
        Cli fix = Cli.run("fix", "--image", disk.toString(), "--recovery-password", RP, "--journal", "reset");
        assertEquals(2, fix.exit, fix.toString());
        String line = fix.err.strip();
        assertFalse(line.contains("\n"), fix.toString());
        assertTrue(line.startsWith("bootmedic: " + disk + " partition 2: ")
                && line.contains("bitmap 2 (FVE-EOWBM at byte " + bitmap2 + ")") && line.contains("past its end"), line);
        assertEquals(stamp, Files.getLastModifiedTime(disk), "no write at all, not even of the bytes already there");
        assertEquals(before, BuiltVolumeTest.sha256(disk), "not one byte of the disk written");
        assertFalse(Files.exists(tmp.resolve("two.img.bootmedic-quarantine")), "nothing quarantined");
    }

    private static java.nio.ByteBuffer le(byte[] b) {
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    private static boolean reserved(BitLockerMetadata md, long off) {
        for (long m : md.metadataOffsets) {
            if (off >= m && off < m + BitLockerMetadata.METADATA_AREA) {
                return true;
            }
        }
        for (long[] r : md.eow.reserved) {
            if (off >= r[0] && off < r[1]) {
                return true;
            }
        }
        return off >= md.headerOffset && off < md.headerOffset + md.headerSize;
    }

    @Test
    void aConversionMapThatCannotBeReadIsRefusedNotDecryptedIntoGarbage() throws Exception {
        Path img = tmp.resolve("eow.img");
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).encryptOnWrite(CHUNK, PATTERN).seed(13).build(img);
        long eowInfo;
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            eowInfo = BitLockerMetadata.read(dev).eow.reserved.get(0)[0];
        }
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            for (long at : new long[]{eowInfo, eowInfo + 0x1000}) {
                f.seek(at + 20);
                f.write(0x77); // the chunk size of both copies: their CRC-32 no longer matches
            }
        }
        String before = BuiltVolumeTest.sha256(img);
        Path out = tmp.resolve("garbage.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), "--recovery-password", RP);
        assertEquals(2, decrypt.exit, decrypt.toString()); // refused input
        assertTrue(decrypt.err.contains("used-space-only") && decrypt.err.contains("CRC-32"), decrypt.toString());
        assertFalse(Files.exists(out), "no output that could be mistaken for the volume");
        Cli fix = Cli.run("fix", "--image", img.toString(), "--recovery-password", RP);
        assertEquals(2, fix.exit, fix.toString());
        assertTrue(fix.err.contains("used-space-only"), fix.toString());
        assertFalse((fix.out + fix.err).toLowerCase(java.util.Locale.ROOT).contains("damaged ntfs"), fix.toString());
        assertEquals(before, BuiltVolumeTest.sha256(img), "nothing written");
        assertNotNull(built);
    }
}
