package io.bootmedic.keys;

import io.bootmedic.testutil.JvmCli;
import io.bootmedic.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 #6 and the mutation tests of the key bundle: its header is authenticated only by the key
 * its own parameters derive, so every field is bounded before Argon2 runs, and every damage ends
 * in a BundleException, the file unchanged.
 */
class HostileBundleTest {
    static final char[] PASS = "correct horse".toCharArray();
    @TempDir
    static Path tmp;
    static byte[] good;

    @BeforeAll
    static void bundle() throws IOException {
        Path file = tmp.resolve("good.bmk");
        KeyBundle.write(file, List.of(new KeyRecord(KeyId.parse(KeyFileReaderTest.ID1), parse(KeyFileReaderTest.RP1), "PC1", "t")), PASS,
                new KeyBundle.KdfParams(1024, 1, 1));
        good = Files.readAllBytes(file);
    }

    private static RecoveryPassword parse(String rp) {
        try {
            return RecoveryPassword.parse(rp);
        } catch (InvalidRecoveryPasswordException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Object> headerOf(byte[] bundle) throws IOException {
        int len = ByteBuffer.wrap(bundle, 4, 4).getInt();
        return Json.readObject(Arrays.copyOfRange(bundle, 8, 8 + len));
    }

    /** The same bundle with its header replaced (the body stays: it no longer authenticates, but that must not matter). */
    static byte[] withHeader(byte[] bundle, Map<String, Object> header) {
        int len = ByteBuffer.wrap(bundle, 4, 4).getInt();
        byte[] h = Json.write(header);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + bundle.length - 8 - len);
        out.put(bundle, 0, 4).putInt(h.length).put(h).put(bundle, 8 + len, bundle.length - 8 - len);
        return out.array();
    }

    private static BundleException refusedWithoutKdf(byte[] bundle) {
        int before = KeyBundle.KDF_RUNS.get();
        byte[] copy = bundle.clone();
        BundleException e = assertThrows(BundleException.class, () -> KeyBundle.open(copy, "m.bmk", PASS));
        assertEquals(before, KeyBundle.KDF_RUNS.get(), "Argon2 ran for a bundle refused by its header: " + e.getMessage());
        assertArrayEquals(bundle, copy, "the input is unchanged");
        return e;
    }

    @ParameterizedTest
    @CsvSource({"memoryKiB,4194304", "memoryKiB,1048576", "memoryKiB,4294968320", "memoryKiB,-1", "memoryKiB,7", "iterations,100",
            "iterations,0", "iterations,4294967297", "parallelism,64", "parallelism,0"})
    void oversizedOrNonsenseKdfParametersAreRefusedBeforeArgon2Runs(String field, long value) throws IOException {
        Map<String, Object> h = new LinkedHashMap<>(headerOf(good));
        h.put(field, value);
        BundleException e = refusedWithoutKdf(withHeader(good, h));
        assertTrue(e.getMessage().contains("m.bmk asks for") && e.getMessage().contains("more than bootmedic allows")
                && e.getMessage().contains("not made by bootmedic keys bundle"), e.getMessage());
    }

    @Test
    void aFourGibibyteBundleIsRefusedInA256MiBHeap() throws Exception {
        Map<String, Object> h = new LinkedHashMap<>(headerOf(good));
        h.put("memoryKiB", 4L * 1024 * 1024);
        h.put("iterations", 100);
        Path bad = Files.write(tmp.resolve("huge.bmk"), withHeader(good, h));
        Path pass = Files.writeString(tmp.resolve("pass.txt"), new String(PASS));
        JvmCli run = JvmCli.run(tmp, 60, "keys", "lookup", "64311DEA", "--key-bundle", bad.toString(), "--passphrase-file", pass.toString());
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("huge.bmk asks for 4096 MiB"), run.err);
        assertFalse(run.err.contains("Exception") || run.err.contains("OutOfMemory"), run.err);
    }

    @Test
    void eachHeaderFieldRemovedOrOfTheWrongTypeIsABundleException() throws IOException {
        Map<String, Object> base = headerOf(good);
        for (String field : base.keySet()) {
            for (Object value : new Object[]{null, "x", 1.5, List.of(), Map.of(), true, -1, Long.MAX_VALUE, "A".repeat(5000)}) {
                Map<String, Object> h = new LinkedHashMap<>(base);
                if (value == null) {
                    h.remove(field);
                } else {
                    h.put(field, value);
                }
                byte[] damaged = withHeader(good, h);
                if (field.equals("keys") && !(value instanceof String s && s.length() > 4000)) {
                    // "keys" is informational; changing it only breaks the authentication: Argon2 runs, then the tag fails
                    byte[] copy = damaged.clone();
                    assertThrows(BundleException.class, () -> KeyBundle.open(copy, "m.bmk", PASS));
                    continue;
                }
                refusedWithoutKdf(damaged);
            }
        }
    }

    @Test
    void eachByteOfTheFixedPartFlippedOrZeroedAndEveryTruncation() {
        int headerEnd = 8 + ByteBuffer.wrap(good, 4, 4).getInt();
        for (int i = 0; i < 8; i++) {
            for (int mask : new int[]{0x01, 0x80, 0xFF}) {
                byte[] b = good.clone();
                b[i] ^= (byte) mask;
                byte[] copy = b.clone();
                assertThrows(BundleException.class, () -> KeyBundle.open(copy, "m.bmk", PASS), "byte " + i + " ^ " + mask);
            }
            if (good[i] == 0) {
                continue; // the high bytes of the header length are zero already
            }
            byte[] z = good.clone();
            z[i] = 0;
            assertThrows(BundleException.class, () -> KeyBundle.open(z, "m.bmk", PASS), "byte " + i + " zeroed");
        }
        // truncated at every boundary: inside the magic, the length, the header, at the body start and inside the tag
        for (int cut : new int[]{0, 2, 4, 6, 8, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 8, good.length - 1}) {
            byte[] t = Arrays.copyOf(good, cut);
            BundleException e = assertThrows(BundleException.class, () -> KeyBundle.open(t, "m.bmk", PASS), "cut at " + cut);
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void aFlippedBodyByteIsTamperingNotACrash() {
        int headerEnd = 8 + ByteBuffer.wrap(good, 4, 4).getInt();
        for (int i = headerEnd; i < good.length; i += 7) {
            byte[] b = good.clone();
            b[i] ^= 0x20;
            BundleException e = assertThrows(BundleException.class, () -> KeyBundle.open(b, "m.bmk", PASS));
            assertTrue(e.getMessage().contains("modified after it was made"), e.getMessage());
        }
    }
}
