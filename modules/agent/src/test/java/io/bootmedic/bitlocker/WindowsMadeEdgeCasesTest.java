package io.bootmedic.bitlocker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.testutil.BitLockerImages;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 on the volumes Windows made (../shared/testdata/bitlocker): To Go sticks (#11), the two
 * caught in a used-space-only conversion whose conversion map the trimming removed (#9), a metadata
 * copy with a too-short FVEK entry (#14), and the messages of #17/#18.
 */
class WindowsMadeEdgeCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    private Path copy(String image) throws Exception {
        Path p = tmp.resolve(image + ".img");
        Files.copy(BitLockerImages.image(image), p);
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "togo-aes-cbc-128, anaconda, E75379CF-8B7B-48D7-9210-84B63E730CF5, 3fb19a2b9cf89962216cc7b27f7127ea7f241c39b7b340d7431a232f81c36eb1",
            "togo-aes-xts-128, 243067-548680-059818-148852-287771-550088-628265-631653, DCA1850A-0EF6-4ECE-8ACB-9F42CA63BDD1, 5954795eb41764b59a10d86c26fd3b43fb6d89f433c8edc1e8fd48067d198591",
    })
    void toGoSticksAreVolumesNotPartitionTables(String image, String secret, String guid, String sha) throws Exception {
        Path img = copy(image);
        String before = BuiltVolumeTest.sha256(img);
        String keyOption = secret.contains("-") ? "--recovery-password" : "--password";
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals(guid, v.get("volumeGuid").asText());
        assertTrue(v.get("toGo").asBoolean());

        Path out = tmp.resolve("plain.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), keyOption, secret);
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertEquals(sha, BuiltVolumeTest.sha256(out), "the SHA-256 cryptsetup published for the decrypted stick");

        for (String command : new String[]{"scan", "fix"}) {
            Cli run = Cli.run(command, "--image", img.toString(), keyOption, secret);
            assertEquals(4, run.exit, run.toString());
            assertTrue(run.err.contains("its file system is FAT, not a Windows system volume"), run.toString());
        }
        assertEquals(before, BuiltVolumeTest.sha256(img), "nothing written");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"aes-xts-128-eow", "partially-encrypted-aes-cbc-128"})
    void aConversionWhoseMapIsGoneIsReportedAndRefused(String image) throws Exception {
        Path img = copy(image);
        String before = BuiltVolumeTest.sha256(img);
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals("unreadable", v.get("state").asText(), info.out);
        assertTrue(v.get("conversion").asText().contains("used-space-only"), info.out);

        Path out = tmp.resolve("plain.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), "--password", "anaconda");
        assertEquals(2, decrypt.exit, decrypt.toString());
        assertTrue(decrypt.err.contains("cannot be told apart") && decrypt.err.contains(img.toString()), decrypt.toString());
        assertFalse(Files.exists(out));
        Cli scan = Cli.run("scan", "--image", img.toString(), "--password", "anaconda");
        assertEquals(2, scan.exit, scan.toString());
        assertTrue(scan.err.contains("used-space-only"), scan.toString());
        assertFalse(scan.out.contains("NTFS"), "never called a damaged NTFS: " + scan);
        assertEquals(before, BuiltVolumeTest.sha256(img));
    }

    /** Copy 1's FVEK entry says it is 24 bytes long, and a terminator follows: on main the copy's parse escaped as "X > Y". */
    @Test
    void aTooShortFvekEntryInOneCopyFallsBackToTheNext() throws Exception {
        Path img = copy("aes-xts-128");
        long[] offsets;
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            offsets = BitLockerMetadata.read(dev).metadataOffsets;
        }
        shortenFvekEntry(img, offsets[0]);
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertEquals(2, md.usedCopy);
            assertEquals("cc493ad40376cf719d3725073d5c1a6ca5759fc4ad179c95572f16c01a260d66",
                    java.util.HexFormat.of().formatHex(Unlocker.withPassword(md, "anaconda".toCharArray()).fvek()));
        }
        shortenFvekEntry(img, offsets[1]);
        shortenFvekEntry(img, offsets[2]);
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> BitLockerMetadata.read(dev));
            for (int copy = 1; copy <= 3; copy++) {
                assertTrue(e.getMessage().contains("copy " + copy + ": the encrypted volume key (FVEK) entry at"), e.getMessage());
            }
        }
    }

    private static void shortenFvekEntry(Path img, long metadata) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] block = new byte[BitLockerMetadata.METADATA_AREA];
            f.seek(metadata);
            f.readFully(block);
            ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            int blockSize = Short.toUnsignedInt(b.getShort(8)) << 4;
            int at = 64 + 48;
            while (Short.toUnsignedInt(b.getShort(at + 2)) != BitLockerMetadata.ENTRY_FVEK) {
                at += Short.toUnsignedInt(b.getShort(at));
            }
            b.putShort(at, (short) 24);
            b.putShort(at + 24, (short) 0);
            CRC32 crc = new CRC32();
            crc.update(block, 0, blockSize);
            b.putInt(blockSize + 4, (int) crc.getValue());
            f.seek(metadata);
            f.write(block);
        }
    }

    @Test
    void aWrongPasswordGetsPasswordAdviceNotRecoveryScreenAdvice() throws Exception {
        Path img = copy("aes-xts-128");
        Path out = tmp.resolve("x.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), "--password", "anaconda2");
        assertEquals(3, decrypt.exit, decrypt.toString());
        assertTrue(decrypt.err.contains("wrong password") && decrypt.err.contains("check the password"), decrypt.toString());
        assertTrue(decrypt.err.contains("recovery password for key ID {64311DEA-4587-4029-924A-BA299647998E}"), decrypt.toString());
        assertFalse(decrypt.err.contains("recovery screen"), decrypt.toString());
        assertFalse(decrypt.err.contains("anaconda2"), "the password never reaches a message");
    }

    /** Windows paused while turning BitLocker off: the lower part is still encrypted, the rest already plain. */
    @Test
    void infoSaysAVolumeIsHalfDecrypted() throws Exception {
        Path img = copy("aes-xts-128");
        long boundary = 52430336;
        try (FileBlockDevice orig = FileBlockDevice.open(BitLockerImages.image("aes-xts-128"), false);
             FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            BitLockerMetadata md = BitLockerMetadata.read(orig);
            BitLockerBlockDevice origPlain = new BitLockerBlockDevice(orig, md, BitLockerTest.unlock(md, "anaconda").fvek());
            PartiallyEncryptedTest.makePartiallyEncrypted(dev, md, origPlain, boundary);
            for (long m : md.metadataOffsets) {
                setStates(dev, m, FveState.PAUSED.code, FveState.DECRYPTED.code);
            }
        }
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, info.exit, info.toString());
        JsonNode v = JSON.readTree(info.out).get(0);
        assertEquals("partially encrypted", v.get("state").asText());
        assertTrue(v.get("conversion").asText().contains("decryption paused, 50.0 MiB of 100.0 MiB still encrypted (50%)"), info.out);
        Cli text = Cli.run("bitlocker", "info", "--image", img.toString());
        assertTrue(text.out.contains("decryption paused"), text.out);
    }

    private static void setStates(FileBlockDevice dev, long m, int state, int next) throws Exception {
        byte[] block = dev.read(m, BitLockerMetadata.METADATA_AREA);
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        int blockSize = Short.toUnsignedInt(b.getShort(8)) << 4;
        b.putShort(12, (short) state).putShort(14, (short) next);
        CRC32 crc = new CRC32();
        crc.update(block, 0, blockSize);
        b.putInt(blockSize + 4, (int) crc.getValue());
        dev.write(m, ByteBuffer.wrap(block, 0, blockSize + 8));
    }

    @Test
    void decryptOfAnImageShorterThanItsVolumeSaysWhatIsMissing() throws Exception {
        Path img = copy("aes-xts-128");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(90L << 20);
        }
        Path out = tmp.resolve("short.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", out.toString(), "--password", "anaconda");
        assertEquals(1, decrypt.exit, decrypt.toString());
        assertTrue(decrypt.err.contains("holds only 94371840 bytes of the 104857600-byte BitLocker volume")
                && decrypt.err.contains("the last 10485760 bytes"), decrypt.toString());
        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals("the image holds 94371840 of the volume's 104857600 bytes: the last 10485760 are missing",
                JSON.readTree(info.out).get(0).get("missing").asText(), info.out);
    }
}
