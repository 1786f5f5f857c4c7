package io.bootmedic.bitlocker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.ntfs.NtfsFileTree;
import io.bootmedic.ntfs.NtfsVolume;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.BitLockerVolumeBuilder;
import io.bootmedic.testutil.BitLockerVolumeBuilder.Built;
import io.bootmedic.testutil.BitLockerVolumeBuilder.Method;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BitLocker volumes built from scratch by {@link BitLockerVolumeBuilder} around an NTFS image made by
 * mkntfs (holding the practice tree), judged by implementations we did not write: libbde's bdeinfo
 * must unlock them and report the chosen method and recovery key ID, dislocker must decrypt them to
 * the very bytes of the input image; then bootmedic's own reader must agree. Needs no ../shared.
 */
class BuiltVolumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String RP = "013574-000055-660000-008547-720885-000000-046662-344707";
    /** The same but for its first group: well-formed, so it gets as far as the AES-CCM check. */
    static final String WRONG_RP = "111111-000055-660000-008547-720885-000000-046662-344707";
    private static final String FAULTY = PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY;

    @TempDir
    static Path shared;
    static Path plain;
    static String plainSha;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeNtfs() throws Exception {
        plain = practiceNtfs(shared.resolve("plain.ntfs"));
        plainSha = sha256(plain);
    }

    /** A 64 MiB NTFS volume made by mkntfs holding the practice tree: what the builder encrypts. */
    static Path practiceNtfs(Path file) throws Exception {
        Tools.ok("truncate", "-s", "64M", file.toString());
        Tools.ok("mkntfs", "-F", "-f", "-Q", "-q", "-L", "Windows", file.toString());
        try (FileBlockDevice dev = FileBlockDevice.open(file, true); NtfsVolume vol = NtfsVolume.open(dev, true)) {
            PracticeTree.create(new NtfsFileTree(vol));
        }
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Method.class)
    void independentToolsAndBootmedicOpenIt(Method method) throws Exception {
        Path img = tmp.resolve("bitlocker.img");
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(method).seed(method.ordinal()).build(img);
        assertEquals(plainSha, built.plaintextSha256(), "the builder encrypted the input unchanged");
        assertEquals(plainSha, sha256(plain), "the input image is only read");
        assertNotEquals(plainSha, sha256(img));

        // 1. libbde: the recovery password opens it; the method, the volume GUID, the protector's GUID
        Tools.Result bde = Tools.run(List.of("bdeinfo", "-r", RP, img.toString()));
        if (method == Method.XTS_AES_256) {
            // libbde 20190102 hands over a 32-byte tweak key buffer, then demands 64 bytes for XTS-256, and fails
            // the same way on the Windows-made XTS-256 volume. That check runs only after the VMK and the FVEK
            // were decrypted (both AES-CCM tags verified), so reaching it still says the keys are right; the
            // metadata is then read without a key (which bdeinfo reports as "Unable to unlock volume.").
            assertEquals(1, bde.exit(), bde.out());
            assertTrue(bde.out().contains("libbde_encryption_set_keys: invalid tweak key value too small"), bde.out());
            bde = Tools.run(List.of("bdeinfo", img.toString()));
        } else {
            assertEquals(0, bde.exit(), bde.out());
            assertFalse(bde.out().contains("Unable"), bde.out());
        }
        BdeInfo info = BdeInfo.parse(bde.out());
        assertEquals(method.bdeinfoName, info.value("Encryption method"), bde.out());
        assertEquals(built.volumeGuid().toLowerCase(Locale.ROOT), info.value("Volume identifier"), bde.out());
        assertEquals("BOOTMEDIC-TEST C: 1/2/2025", info.value("Description"), bde.out());
        assertEquals(List.of(built.recoveryKeyId().toLowerCase(Locale.ROOT) + " Recovery password"), info.protectors(), bde.out());
        Tools.Result bdeWrong = Tools.run(List.of("bdeinfo", "-r", WRONG_RP, img.toString()));
        assertEquals(1, bdeWrong.exit(), bdeWrong.out());
        assertTrue(bdeWrong.out().contains("Unable to unlock volume."), bdeWrong.out());
        assertFalse(bdeWrong.out().contains("tweak key"), "a wrong key never gets as far as the keys: " + bdeWrong.out());

        // 2. dislocker: the decrypted volume is the input image, byte for byte, and ntfs-3g reads it
        Path byDislocker = tmp.resolve("dislocker.raw");
        Tools.ok("dislocker-file", "-V", img.toString(), "-p" + RP, "--", byDislocker.toString());
        assertEquals(plainSha, sha256(byDislocker));
        String ls = Tools.ok("ntfsls", "-p", "/" + PracticeTree.CROWDSTRIKE_DIR, byDislocker.toString());
        assertTrue(ls.contains(PracticeTree.FAULTY), ls);
        Tools.ok("ntfsfix", "-n", byDislocker.toString());
        assertDislockerRefuses(img, "-p" + WRONG_RP);

        // 3. bootmedic: info (no key), decrypt with the recovery password, the same bytes
        Cli infoRun = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(0, infoRun.exit, infoRun.toString());
        JsonNode v = JSON.readTree(infoRun.out).get(0);
        assertEquals(built.volumeGuid(), v.get("volumeGuid").asText());
        assertEquals(method.windowsName, v.get("method").asText());
        assertEquals("locked", v.get("state").asText());
        assertEquals(1, v.get("protectors").size());
        assertEquals(built.recoveryKeyId(), v.get("protectors").get(0).get("id").asText());
        assertEquals("recovery password", v.get("protectors").get(0).get("type").asText());
        Path byBootmedic = tmp.resolve("bootmedic.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", byBootmedic.toString(), "--recovery-password", RP);
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertEquals(plainSha, sha256(byBootmedic));

        // 4. a wrong recovery password: refused, naming the key ID, nothing written
        Path nothing = tmp.resolve("wrong.raw");
        Cli wrong = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", nothing.toString(), "--recovery-password", WRONG_RP);
        assertEquals(3, wrong.exit, wrong.toString());
        assertTrue(wrong.err.contains("wrong recovery password for key ID {" + built.recoveryKeyId() + "}"), wrong.toString());
        assertFalse(Files.exists(nothing));
    }

    @Test
    void aUserPasswordProtectorBesideTheRecoveryPassword() throws Exception {
        Path img = tmp.resolve("password.img");
        String password = "correct horse 7";
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).password(password).method(Method.XTS_AES_128).seed(7).build(img);

        Tools.Result bde = Tools.run(List.of("bdeinfo", "-p", password, img.toString()));
        assertEquals(0, bde.exit(), bde.out());
        assertEquals(List.of(built.recoveryKeyId().toLowerCase(Locale.ROOT) + " Recovery password",
                built.passwordKeyId().toLowerCase(Locale.ROOT) + " Password"), BdeInfo.parse(bde.out()).protectors());
        Tools.Result bdeWrong = Tools.run(List.of("bdeinfo", "-p", "correct horse 8", img.toString()));
        assertEquals(1, bdeWrong.exit(), bdeWrong.out());

        Path byDislocker = tmp.resolve("dislocker.raw");
        Tools.ok("dislocker-file", "-V", img.toString(), "-u" + password, "--", byDislocker.toString());
        assertEquals(plainSha, sha256(byDislocker));
        assertDislockerRefuses(img, "-ucorrect horse 8");

        Path byBootmedic = tmp.resolve("bootmedic.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", byBootmedic.toString(), "--password", password);
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertTrue(decrypt.out.contains("protector {" + built.passwordKeyId() + "}"), decrypt.out);
        assertEquals(plainSha, sha256(byBootmedic));
        Cli wrong = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", tmp.resolve("w.raw").toString(), "--password", "correct horse 8");
        assertEquals(3, wrong.exit, wrong.toString());
    }

    /** dislocker 0.7.3 converts a password byte by byte, so a non-ASCII one is for libbde and bootmedic only. */
    @Test
    void aNonAsciiPasswordIsUtf16() throws Exception {
        Path img = tmp.resolve("unicode.img");
        String password = "pässwört£1";
        BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).password(password).method(Method.AES_CBC_128).seed(8).build(img);
        Tools.Result bde = Tools.run(List.of("bdeinfo", "-p", password, img.toString()));
        assertEquals(0, bde.exit(), bde.out());
        Path byBootmedic = tmp.resolve("bootmedic.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", byBootmedic.toString(), "--password", password);
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertEquals(plainSha, sha256(byBootmedic));
    }

    @Test
    void theSameSeedBuildsTheSameImage() throws Exception {
        Built a = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(Method.AES_CBC_256).seed(99).build(tmp.resolve("a.img"));
        Built b = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(Method.AES_CBC_256).seed(99).build(tmp.resolve("b.img"));
        Built c = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(Method.AES_CBC_256).seed(100).build(tmp.resolve("c.img"));
        assertEquals(sha256(a.image()), sha256(b.image()));
        assertEquals(a.recoveryKeyId(), b.recoveryKeyId());
        assertNotEquals(a.recoveryKeyId(), c.recoveryKeyId());
        assertNotEquals(sha256(a.image()), sha256(c.image()));
    }

    /** mkntfs -s 4096: 4 KiB sectors, so two relocated boot sectors and the XTS tweak counts 4 KiB units. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Method.class, names = {"XTS_AES_128", "AES_CBC_128", "AES_CBC_256_ELEPHANT"})
    void fourKibSectors(Method method) throws Exception {
        Path ntfs4k = tmp.resolve("4k.ntfs");
        Tools.ok("truncate", "-s", "64M", ntfs4k.toString());
        Tools.ok("mkntfs", "-F", "-f", "-Q", "-q", "-s", "4096", "-L", "Windows", ntfs4k.toString());
        String sha = sha256(ntfs4k);
        Path img = tmp.resolve("4k.img");
        Built built = BitLockerVolumeBuilder.around(ntfs4k).recoveryPassword(RP).method(method).seed(4096 + method.ordinal()).build(img);
        assertEquals(4096, built.sectorSize());

        Tools.Result bde = Tools.run(List.of("bdeinfo", "-r", RP, img.toString()));
        assertEquals(0, bde.exit(), bde.out());
        assertEquals(method.bdeinfoName, BdeInfo.parse(bde.out()).value("Encryption method"), bde.out());
        Path byDislocker = tmp.resolve("dislocker.raw");
        Tools.ok("dislocker-file", "-V", img.toString(), "-p" + RP, "--", byDislocker.toString());
        assertEquals(sha, sha256(byDislocker));

        Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
        assertEquals(4096, JSON.readTree(info.out).get(0).get("sectorSize").asInt(), info.toString());
        Path byBootmedic = tmp.resolve("bootmedic.raw");
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", byBootmedic.toString(), "--recovery-password", RP);
        assertEquals(0, decrypt.exit, decrypt.toString());
        assertEquals(sha, sha256(byBootmedic));
    }

    /**
     * All three metadata copies are whole: with the FVEK entry of copy 1 (then 2) damaged, dislocker,
     * which takes the first copy whose CRC-32 matches, still decrypts the volume, and so does bootmedic,
     * saying which copy it used. With all three damaged both give up. (libbde reads copy 1 without a
     * CRC check, so it is no judge here.)
     */
    @Test
    void everyMetadataCopyCarriesTheVolume() throws Exception {
        Path img = tmp.resolve("copies.img");
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(Method.XTS_AES_128).seed(5).build(img);
        for (int copy = 1; copy <= 3; copy++) {
            damageFvekEntry(img, built.metadataOffsets()[copy - 1]);
            Path byDislocker = tmp.resolve("dislocker-" + copy + ".raw");
            Tools.Result dis = Tools.run(List.of("dislocker-file", "-V", img.toString(), "-p" + RP, "--", byDislocker.toString()));
            Path byBootmedic = tmp.resolve("bootmedic-" + copy + ".raw");
            Cli decrypt = Cli.run("bitlocker", "decrypt", "--image", img.toString(), "--out", byBootmedic.toString(), "--recovery-password", RP);
            if (copy < 3) {
                assertEquals(0, dis.exit(), dis.out());
                assertEquals(plainSha, sha256(byDislocker), "dislocker used copy " + (copy + 1));
                assertEquals(0, decrypt.exit, decrypt.toString());
                assertEquals(plainSha, sha256(byBootmedic));
                Cli info = Cli.run("bitlocker", "info", "--image", img.toString(), "--json");
                assertEquals(copy + 1, JSON.readTree(info.out).get(0).get("metadataCopyUsed").asInt(), info.toString());
            } else {
                assertNotEquals(0, dis.exit(), dis.out());
                assertNotEquals(0, decrypt.exit, decrypt.toString());
                assertTrue(decrypt.err.contains("all three BitLocker metadata copies are damaged"), decrypt.toString());
            }
        }
    }

    /** Flips a byte of the encrypted FVEK in the metadata block at {@code offset}, leaving its CRC-32 as it was. */
    private static void damageFvekEntry(Path img, long offset) throws Exception {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            byte[] block = new byte[4096];
            f.seek(offset);
            f.readFully(block);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(block).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int at = 64 + 48;
            while (b.getShort(at + 2) != 3) {
                at += Short.toUnsignedInt(b.getShort(at));
                assertTrue(at < 64 + b.getInt(64), "no FVEK entry");
            }
            f.seek(offset + at + 40);
            f.write(block[at + 40] ^ 0x01);
        }
    }

    /** Multi-megabyte writes go through the batched run path: every method's bytes must come back from dislocker exactly. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Method.class)
    void largeRunsWrittenThroughOurLayerDecryptWithDislocker(Method method) throws Exception {
        Path img = tmp.resolve("large-" + method + ".img");
        BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(method).seed(300 + method.ordinal()).build(img);
        byte[] data = new byte[3 << 20];
        new java.util.Random(method.ordinal()).nextBytes(data);
        long at = 16L << 20;
        try (io.bootmedic.image.block.FileBlockDevice dev = io.bootmedic.image.block.FileBlockDevice.open(img, true)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            BitLockerBlockDevice layer = new BitLockerBlockDevice(dev, md, Unlocker.withRecoveryPassword(md, io.bootmedic.keys.RecoveryPassword.parse(RP)).fvek());
            layer.write(at, java.nio.ByteBuffer.wrap(data));
            byte[] back = new byte[data.length];
            layer.read(at, java.nio.ByteBuffer.wrap(back));
            org.junit.jupiter.api.Assertions.assertArrayEquals(data, back, "our own read-back");
            layer.flush();
        }
        Path out = tmp.resolve("large-" + method + ".raw");
        Tools.ok("dislocker-file", "-V", img.toString(), "-p" + RP, "--", out.toString());
        byte[] seen = new byte[data.length];
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(out.toFile(), "r")) {
            f.seek(at);
            f.readFully(seen);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, seen, "dislocker reads what we wrote");
    }

    /** The key comes out of the encrypted bundle a USB stick carries; the report says so, for rotation. */
    @Test
    void fixFindsTheKeyInABundleByKeyIdAndReportsItsSource() throws Exception {
        Path img = tmp.resolve("bundle.img");
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(Method.XTS_AES_256).seed(21)
                .reserveMetadataClusters().build(img);
        Path bundle = tmp.resolve("keys.bmk");
        io.bootmedic.keys.KeyBundle.write(bundle, java.util.List.of(new io.bootmedic.keys.KeyRecord(io.bootmedic.keys.KeyId.parse(built.recoveryKeyId()),
                io.bootmedic.keys.RecoveryPassword.parse(RP), "PRACTICE-PC01", "ad.csv line 2")), "stick passphrase".toCharArray(),
                new io.bootmedic.keys.KeyBundle.KdfParams(1024, 1, 1));
        Path pass = java.nio.file.Files.writeString(tmp.resolve("pass"), "stick passphrase");
        Cli fix = Cli.run("fix", "--image", img.toString(), "--key-bundle", bundle.toString(), "--passphrase-file", pass.toString(), "--json");
        assertEquals(0, fix.exit, fix.toString());
        com.fasterxml.jackson.databind.JsonNode bl = new com.fasterxml.jackson.databind.ObjectMapper().readTree(fix.out).get("volumes").get(0).get("bitlocker");
        assertEquals("bundle", bl.get("keySource").asText());
        assertTrue(bl.get("recoveryPasswordUsed").asBoolean());
        assertEquals(built.recoveryKeyId().replace("{", "").replace("}", "").toUpperCase(java.util.Locale.ROOT),
                bl.get("recoveryKeyId").asText().replace("{", "").replace("}", "").toUpperCase(java.util.Locale.ROOT));
    }

    /**
     * End to end: a volume built around the practice tree, its metadata clusters reserved in $Bitmap;
     * bootmedic repairs it with the recovery password through its encrypting layer; dislocker and
     * ntfs-3g then find the faulty channel file gone and its bytes in the quarantine.
     */
    @Test
    void fixRepairsABuiltVolumeAndDislockerSeesTheResult() throws Exception {
        Path img = tmp.resolve("fix.img");
        Built built = BitLockerVolumeBuilder.around(plain).recoveryPassword(RP).method(Method.XTS_AES_128).seed(11)
                .reserveMetadataClusters().build(img);
        assertNotEquals(plainSha, built.plaintextSha256(), "the reserved clusters are marked in $Bitmap");
        Path before = tmp.resolve("before.raw");
        Tools.ok("dislocker-file", "-V", img.toString(), "-p" + RP, "--", before.toString());
        assertEquals(built.plaintextSha256(), sha256(before));
        Tools.ok("ntfsfix", "-n", before.toString());
        String faultySha = Tools.ntfscatSha(before, FAULTY);

        Cli fix = Cli.run("fix", "--image", img.toString(), "--recovery-password", RP, "--json");
        assertEquals(0, fix.exit, fix.toString());
        JsonNode volume = JSON.readTree(fix.out).get("volumes").get(0);
        assertEquals("unlocked", volume.get("bitlocker").get("state").asText());
        assertEquals("XTS-AES-128", volume.get("bitlocker").get("method").asText());
        assertEquals(PracticeTree.COMPUTER_NAME, volume.get("windows").get("computerName").asText());
        JsonNode action = volume.get("actions").get(0);
        assertEquals("quarantined", action.get("action").asText(), volume.toString());

        Path after = tmp.resolve("after.raw");
        Tools.ok("dislocker-file", "-V", img.toString(), "-p" + RP, "--", after.toString());
        assertEquals(1, Tools.run(List.of("ntfscat", after.toString(), FAULTY)).exit(), "dislocker + ntfs-3g: the faulty file is gone");
        assertEquals(faultySha, Tools.ntfscatSha(after, action.get("quarantinePath").asText()));
        Tools.ok("ntfsfix", "-n", after.toString());
        // the repair wrote around BitLocker's metadata, not into it: libbde still reads all of it
        Tools.Result bde = Tools.run(List.of("bdeinfo", "-r", RP, img.toString()));
        assertEquals(0, bde.exit(), bde.out());
        assertEquals(List.of(built.recoveryKeyId().toLowerCase(Locale.ROOT) + " Recovery password"), BdeInfo.parse(bde.out()).protectors(), bde.out());
    }

    /** dislocker 0.7.3 reports a wrong key, then crashes on cleanup (exit 139, on Windows-made volumes too): nonzero and no output. */
    private void assertDislockerRefuses(Path img, String credential) throws Exception {
        Path out = tmp.resolve("dislocker-wrong.raw");
        Tools.Result r = Tools.run(List.of("dislocker-file", "-V", img.toString(), credential, "--", out.toString()));
        assertNotEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("Unable to grab VMK or FVEK"), r.out());
        assertFalse(Files.exists(out) && Files.size(out) > 0, "dislocker wrote nothing");
    }

    /** bdeinfo's "name : value" lines, and its key protectors as "identifier type". */
    record BdeInfo(List<String[]> lines) {
        static BdeInfo parse(String out) {
            List<String[]> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                int colon = line.indexOf(':');
                if (line.startsWith("\t") && colon > 0) {
                    lines.add(new String[]{line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
                }
            }
            return new BdeInfo(lines);
        }

        String value(String name) {
            return lines.stream().filter(l -> l[0].equals(name)).map(l -> l[1]).findFirst().orElse(null);
        }

        List<String> protectors() {
            List<String> out = new ArrayList<>();
            String id = null;
            for (String[] l : lines) {
                if (l[0].equals("Identifier")) {
                    id = l[1];
                } else if (l[0].equals("Type") && id != null) {
                    out.add(id + " " + l[1]);
                    id = null;
                }
            }
            return out;
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
