package io.bootmedic.bitlocker;

import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.testutil.BitLockerImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real BitLocker volumes made by Windows (../shared/testdata/bitlocker): the SHA-256 of each whole
 * decrypted volume is the oracle cryptsetup, dislocker and libbde agree on.
 */
class BitLockerTest {
    @TempDir
    Path tmp;

    static Unlocker.Unlocked unlock(BitLockerMetadata md, String credential) throws Exception {
        if (credential.equals("clear-key")) {
            return Unlocker.withClearKey(md);
        }
        if (credential.endsWith(".BEK")) {
            return Unlocker.withStartupKey(md, BitLockerImages.dir().resolve(credential));
        }
        if (credential.matches("[0-9-]{55}")) {
            return Unlocker.withRecoveryPassword(md, RecoveryPassword.parse(credential));
        }
        return Unlocker.withPassword(md, credential.toCharArray());
    }


    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
            "aes-xts-128, 235818-357951-253979-013365-241120-245575-342914-591910, 8F595209-F5B9-49A0-85D4-CB8F80258C27, XTS-AES-128, 674e3a976927fd62f3fc26df2c695cac75b8d364e3b45393717efa971f16db0f",
            "aes-xts-256, anaconda, 635B3BDD-2AE5-453B-9BAE-68D325268A11, XTS-AES-256, 5bb6ff5acbded10be990c6fa208ab479934a08bc2e88740a1aa2642af2f42025",
            "aes-cbc-128, 042647-302313-590458-071500-554323-116567-412181-516978, E9726FAB-7656-4BC5-BB9E-ADF115953328, AES-CBC-128, 04500a8120ba355ed206284e03e26e59b7e1f1832868e1d69bb47023ebd3460f",
            "aes-cbc-256, anaconda, A2E943BF-6796-483C-A492-63DB9EC1835D, AES-CBC-256, 35809d6db53c7ad8ff36195277b328370ea5df2c1f7003c20e07b64133d8800b",
            "aes-cbc-elephant-128, 529573-278784-259347-197835-171457-264044-610280-313269, D1668FB9-2C16-40AA-8959-3493815234E6, AES-CBC-128 with Elephant diffuser, b18e4f956295bc0f327e551322261fb9c74ac0d3ce58bf3b806e98474e1619ea",
            "aes-cbc-elephant-256, anaconda, AD0A8502-DE92-4707-87EE-470AFC5A9F39, AES-CBC-256 with Elephant diffuser, 0af06f010fe21522bdd77f8d2d3cb0ad5fceaf2729295ff0fd50e65adfa0b7b3",
            "aes-cbc-128-4k, anaconda, E6C131E8-3875-4833-AF6B-7807E8EFF324, AES-CBC-128, 2bf0ee1198cfcc95654636c045f72a91727f7d5b1208db88eafb77ac65b60109",
            "aes-xts-128-4k, 486552-140030-675719-163900-264671-413787-580239-152614, 2A66874F-3F92-4160-AAB1-20EE31C1426C, XTS-AES-128, b4c0416ae643537207413ed78d4bcadae697bb86a6262864ac00afda01312277",
            "aes-xts-128-crc, anaconda, 8F595209-F5B9-49A0-85D4-CB8F80258C27, XTS-AES-128, 674e3a976927fd62f3fc26df2c695cac75b8d364e3b45393717efa971f16db0f",
            "aes-xts-128-new-entry, 199067-214280-266398-508123-023584-402875-562793-012067, 2C2A8753-7C64-4B95-B4BB-FD13AC73069A, XTS-AES-128, 794163062398ae43b796f85eafde8acf5dc7830a93ec2aa7ef0c6baaa14b2757",
            "aes-xts-128-smart-card, 538329-080597-399190-348700-323345-161062-279807-230978, E7D812DF-C38B-4149-95FE-85134D2E02F7, XTS-AES-128, 007de1a342f49a15f97712f634aa1684e1d8c24e220652fc9796b22421413268",
            "aes-xts-128-startup-key, 4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK, 5A95DB04-6EBC-4BA9-99A3-15A87A3D07B2, XTS-AES-128, bbb68369d8f7badb2c2330349d9d0cf12e68f54eece25e718d2bb13feba23f7a",
            "aes-xts-128-startup-key-win11, AA80A52B-9B66-47AE-B097-33F536FFBB07.BEK, E8EA9756-9CC1-4CA2-B99D-FAE884F56150, XTS-AES-128, 76539fdf098cb3b9d15e318d34eace9da8645b8087282adac800094c59df6347",
            "aes-xts-128-two-recovery, 297693-343387-338492-284526-405482-424886-634931-555093, 316A9DD0-5D5D-48FB-A2E8-0A02BB08701C, XTS-AES-128, 15570b2a7a1255e2d0f34a0ff82b6e255d8a7e25c24c7849c91321bcb1858cb3",
            "aes-xts-128-unicode, anaconda£, 564D2F72-B8C8-4035-912C-2360B3DA8876, XTS-AES-128, 8af59ba83928e7920d61696bb3d5392243a1d5c5f4178195cb32b0f21e706af0",
            "aes-xts-128-first-recovery, 097702-694144-563057-330462-534446-240086-680515-664389, 5B5688A7-50EC-433D-BA56-028FD0AED90E, XTS-AES-128, 61942bde31a461b5e54e2aa154a8ae6479c514400e29fcaeb9fbd7b9fe0ce862",
            "aes-xts-128-clearkey-only, clear-key, DF73CB51-FF48-4033-8D56-A32CC2B1AB7A, XTS-AES-128, f574a5254d31e9f27dc4ee440290875886c6c569cf02dc100e91a5c0cddaa4e1",
            "togo-aes-cbc-128, anaconda, E75379CF-8B7B-48D7-9210-84B63E730CF5, AES-CBC-128, 3fb19a2b9cf89962216cc7b27f7127ea7f241c39b7b340d7431a232f81c36eb1",
            "togo-aes-xts-128, 243067-548680-059818-148852-287771-550088-628265-631653, DCA1850A-0EF6-4ECE-8ACB-9F42CA63BDD1, XTS-AES-128, 5954795eb41764b59a10d86c26fd3b43fb6d89f433c8edc1e8fd48067d198591",
    })
    void decryptsWindowsMadeVolumesToTheKnownBytes(String image, String credential, String guid, String method, String sha) throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(BitLockerImages.image(image), false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertEquals(guid, md.volumeGuid);
            assertEquals(method, md.methodName());
            assertTrue(md.description.startsWith("DESKTOP") || md.description.startsWith("WIN"), md.description);
            BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, unlock(md, credential).fvek());
            assertEquals(sha, io.bootmedic.testutil.DeviceHash.sha256(plain));
        }
    }

    @Test
    void protectorsAndTheirTypes() throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(BitLockerImages.image("aes-xts-128-smart-card"), false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            assertEquals("smart card", md.protectors.stream().filter(p -> p.id().equals("7D2245B9-CCD5-49D0-B4F5-653162A71744")).findFirst().orElseThrow().typeName());
            assertFalse(md.protectors.get(0).usableOffline() && md.protectors.get(0).type() == Protector.SMART_CARD);
        }
        try (FileBlockDevice dev = FileBlockDevice.open(BitLockerImages.image("aes-xts-128-crc"), false)) {
            assertEquals(3, BitLockerMetadata.read(dev).usedCopy, "copies 1 and 2 are damaged: the CRC-32 picks copy 3");
        }
    }

    @Test
    void stepByStepVectorsOfXts128() throws Exception {
        byte[] key = RecoveryPassword.parse("235818-357951-253979-013365-241120-245575-342914-591910").toKeyBytes();
        assertEquals("be531d7f315abf04a0553557c67932d2", HexFormat.of().formatHex(key));
        byte[] initial = Unlocker.sha256(key);
        assertEquals("fdd303817e456f7a4b64a7063ae00be752a46841e57da98caf8522f136cb3411", HexFormat.of().formatHex(initial));
        assertEquals("1a39f926dab83e947fa85125b91e556e9ecc2bc5968924e03de234878d1fd4bd",
                HexFormat.of().formatHex(Unlocker.stretch(initial, HexFormat.of().parseHex("2ba080989af9b50c203aaebd0b40d498"))));
        byte[] pw = Unlocker.sha256(Unlocker.sha256("anaconda".getBytes(java.nio.charset.StandardCharsets.UTF_16LE)));
        assertEquals("0d6cbf9e5d75af220d7ac3e9f35d05f56952608dd1dacb31774452c489eadc51", HexFormat.of().formatHex(pw));
        assertEquals("37554410c6e0df5b4fe096259f4a21b847338d3e8d8d8d8c30012d1447cca957",
                HexFormat.of().formatHex(Unlocker.stretch(pw, HexFormat.of().parseHex("8d7637cc5d885d5ff4f748dbc8440d2e"))));
        try (FileBlockDevice dev = FileBlockDevice.open(BitLockerImages.image("aes-xts-128"), false)) {
            assertEquals("cc493ad40376cf719d3725073d5c1a6ca5759fc4ad179c95572f16c01a260d66",
                    HexFormat.of().formatHex(Unlocker.withPassword(BitLockerMetadata.read(dev), "anaconda".toCharArray()).fvek()));
        }
    }

    @Test
    void ieee1619XtsVectors() throws Exception {
        // IEEE P1619 vector 1: both keys zero, data unit 0, 32 zero bytes
        byte[] data = new byte[32];
        SectorCipher.forMethod(0x8004, new byte[32]).encrypt(data, 0, 32, 0, 0);
        assertEquals("917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e", HexFormat.of().formatHex(data));
        // vector 2: key1 = 11.., key2 = 22.., data unit 0x3333333333, 32 bytes of 0x44
        byte[] keys = new byte[32];
        java.util.Arrays.fill(keys, 0, 16, (byte) 0x11);
        java.util.Arrays.fill(keys, 16, 32, (byte) 0x22);
        byte[] p = new byte[32];
        java.util.Arrays.fill(p, (byte) 0x44);
        SectorCipher.forMethod(0x8004, keys).encrypt(p, 0, 32, 0x3333333333L, 0);
        assertEquals("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0", HexFormat.of().formatHex(p));
    }

    @Test
    void aWrongRecoveryPasswordIsAClearErrorNamingTheKeyId() throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(BitLockerImages.image("aes-xts-128"), false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            String wrong = "111111-357951-253979-013365-241120-245575-342914-591910";
            WrongKeyException e = assertThrows(WrongKeyException.class, () -> Unlocker.withRecoveryPassword(md, RecoveryPassword.parse(wrong)));
            assertTrue(e.getMessage().contains("wrong recovery password for key ID {64311DEA-4587-4029-924A-BA299647998E}"), e.getMessage());
            assertFalse(e.getMessage().contains("111111"), "no digits of the password in messages");
            WrongKeyException none = assertThrows(WrongKeyException.class, () -> Unlocker.withClearKey(md));
            assertTrue(none.getMessage().contains("recovery password {64311DEA"), none.getMessage());
        }
    }

    @Test
    void damagedMetadataCopiesAndTruncatedVolumes() throws Exception {
        Path copy = tmp.resolve("x.img");
        Files.copy(BitLockerImages.image("aes-xts-128"), copy);
        long[] offsets;
        try (FileBlockDevice dev = FileBlockDevice.open(copy, false)) {
            offsets = BitLockerMetadata.read(dev).metadataOffsets;
        }
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.seek(offsets[0] + 200);
            f.write(0x5A);
        }
        try (FileBlockDevice dev = FileBlockDevice.open(copy, false)) {
            assertEquals(2, BitLockerMetadata.read(dev).usedCopy, "one damaged copy: the next one is used");
        }
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.seek(offsets[1] + 200);
            f.write(0x5A);
            f.seek(offsets[2] + 200);
            f.write(0x5A);
        }
        try (FileBlockDevice dev = FileBlockDevice.open(copy, false)) {
            BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> BitLockerMetadata.read(dev));
            assertTrue(e.getMessage().contains("all three") && e.getMessage().contains("CRC-32"), e.getMessage());
        }
        Path cut = tmp.resolve("cut.img");
        Files.copy(BitLockerImages.image("aes-xts-128"), cut);
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(offsets[0] + 1000);
        }
        try (FileBlockDevice dev = FileBlockDevice.open(cut, false)) {
            BitLockerFormatException e = assertThrows(BitLockerFormatException.class, () -> BitLockerMetadata.read(dev));
            assertTrue(e.getMessage().contains("outside the volume"), e.getMessage());
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"aes-xts-128", "aes-cbc-128", "aes-cbc-elephant-128"})
    void writesAreEncryptedSoThatAnotherReaderSeesThem(String image) throws Exception {
        Path copy = tmp.resolve("w.img");
        Files.copy(BitLockerImages.image(image), copy);
        byte[] pattern = new byte[10_000];
        new java.util.Random(3).nextBytes(pattern);
        long at = 50L * 1024 * 1024 + 123;
        try (FileBlockDevice dev = FileBlockDevice.open(copy, true)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, unlock(md, "anaconda").fvek());
            plain.write(at, ByteBuffer.wrap(pattern));
            plain.write(100, ByteBuffer.wrap(new byte[]{1, 2, 3})); // inside the relocated boot sectors
            assertThrows(IOException.class, () -> plain.write(md.metadataOffsets[0] + 10, ByteBuffer.allocate(4)));
        }
        // dislocker, an independent implementation, decrypts what we wrote
        Path out = tmp.resolve("plain.raw");
        io.bootmedic.testutil.Tools.ok("dislocker-file", "-V", copy.toString(), "-uanaconda", "--", out.toString());
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
            byte[] back = new byte[pattern.length];
            f.seek(at);
            f.readFully(back);
            assertEquals(HexFormat.of().formatHex(pattern), HexFormat.of().formatHex(back));
            byte[] boot = new byte[3];
            f.seek(100);
            f.readFully(boot);
            assertEquals("010203", HexFormat.of().formatHex(boot));
        }
    }
}
