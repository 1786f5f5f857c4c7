package io.bootmedic.keys;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyBundleTest {
    static final KeyBundle.KdfParams FAST = new KeyBundle.KdfParams(1024, 1, 1);
    @TempDir
    Path tmp;

    private static List<KeyRecord> sample() throws Exception {
        return List.of(
                new KeyRecord(KeyId.parse(KeyFileReaderTest.ID1), RecoveryPassword.parse(KeyFileReaderTest.RP1), "PC-0042", "x"),
                new KeyRecord(KeyId.parse(KeyFileReaderTest.ID2), RecoveryPassword.parse(KeyFileReaderTest.RP2), "LAPTOP-7", "y"));
    }

    @Test
    void roundTripWrongPassphraseAndTampering() throws Exception {
        Path bundle = tmp.resolve("keys.bmk");
        KeyBundle.write(bundle, sample(), "correct horse".toCharArray(), FAST);
        assertFalse(new String(Files.readAllBytes(bundle), StandardCharsets.ISO_8859_1).contains("235818"), "keys are not in the clear");

        KeyStore store = KeyBundle.open(bundle, "correct horse".toCharArray());
        assertEquals(2, store.size());
        assertEquals("PC-0042", store.find("64311dea").orElseThrow().host());
        assertEquals(RecoveryPassword.parse(KeyFileReaderTest.RP2), store.find(KeyFileReaderTest.ID2).orElseThrow().password());

        BundleException wrong = assertThrows(BundleException.class, () -> KeyBundle.open(bundle, "wrong horse".toCharArray()));
        assertTrue(wrong.getMessage().contains("wrong passphrase"), wrong.getMessage());

        byte[] original = Files.readAllBytes(bundle);
        String header = new String(original, StandardCharsets.ISO_8859_1);
        int at = header.indexOf("\"iterations\" : 1");
        Path tamperedHeader = Files.write(tmp.resolve("h.bmk"), original);
        try (RandomAccessFile f = new RandomAccessFile(tamperedHeader.toFile(), "rw")) {
            f.seek(at + "\"iterations\" : ".length());
            f.write('2');
        }
        assertThrows(BundleException.class, () -> KeyBundle.open(tamperedHeader, "correct horse".toCharArray()), "the header is authenticated");

        Path tamperedBody = Files.write(tmp.resolve("b.bmk"), original);
        try (RandomAccessFile f = new RandomAccessFile(tamperedBody.toFile(), "rw")) {
            f.seek(f.length() - 20);
            f.write(f.read() ^ 1);
        }
        BundleException body = assertThrows(BundleException.class, () -> KeyBundle.open(tamperedBody, "correct horse".toCharArray()));
        assertTrue(body.getMessage().contains("modified"), body.getMessage());
        assertThrows(BundleException.class, () -> KeyBundle.open(Files.writeString(tmp.resolve("x.bmk"), "hello"), "p".toCharArray()));
    }

    @Test
    void bundleCommandScopedToOneSite() throws Exception {
        Path csv = Files.writeString(tmp.resolve("all.csv"), "Hostname,KeyID,RecoveryKey\nPC-0042," + KeyFileReaderTest.ID1 + "," + KeyFileReaderTest.RP1
                + "\nLAPTOP-7," + KeyFileReaderTest.ID2 + "," + KeyFileReaderTest.RP2 + "\n");
        Path hosts = Files.writeString(tmp.resolve("site.txt"), "pc-0042\n");
        Path pass = Files.writeString(tmp.resolve("pass.txt"), "site passphrase\n");
        Path out = tmp.resolve("site.bmk");
        Cli bundle = Cli.run("keys", "bundle", "--in", csv.toString(), "--out", out.toString(), "--passphrase-file", pass.toString(), "--only-hosts", hosts.toString());
        assertEquals(0, bundle.exit, bundle.toString());
        assertTrue(bundle.out.contains("holds 1 key(s)"), bundle.out);
        Cli found = Cli.run("keys", "lookup", "64311DEA", "--key-bundle", out.toString(), "--passphrase-file", pass.toString());
        assertEquals(0, found.exit, found.toString());
        assertTrue(found.out.contains("PC-0042"));
        Cli other = Cli.run("keys", "lookup", "927BD960", "--key-bundle", out.toString(), "--passphrase-file", pass.toString());
        assertEquals(1, other.exit, "the other site's key is not on this stick");
    }
}
