package io.bootmedic.keys;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.util.Json;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Recovery keys encrypted for carrying on a USB stick: "BMKB", a JSON header that states the KDF
 * (Argon2id, BouncyCastle) and cipher parameters, then AES-256-GCM over the key list with the
 * header as associated data, so neither the keys nor the parameters can be changed unnoticed.
 */
public final class KeyBundle {
    private static final byte[] MAGIC = "BMKB".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 4096;

    /** Argon2id cost: chosen so opening a 100,000-key bundle stays under a second on a 2-core machine. */
    public record KdfParams(int memoryKiB, int iterations, int parallelism) {
        public static final KdfParams DEFAULT = new KdfParams(19 * 1024, 2, 1); // OWASP's minimum for Argon2id
    }

    private KeyBundle() {
    }

    public static void write(Path out, Collection<KeyRecord> records, char[] passphrase, KdfParams kdf) throws IOException {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] nonce = new byte[12];
        random.nextBytes(salt);
        random.nextBytes(nonce);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("format", "bootmedic.key-bundle/v1");
        h.put("kdf", "argon2id");
        h.put("memoryKiB", kdf.memoryKiB());
        h.put("iterations", kdf.iterations());
        h.put("parallelism", kdf.parallelism());
        h.put("salt", Base64.getEncoder().encodeToString(salt));
        h.put("cipher", "AES-256-GCM");
        h.put("nonce", Base64.getEncoder().encodeToString(nonce));
        h.put("keys", records.size());
        byte[] header = Json.write(h);
        StringBuilder payload = new StringBuilder(records.size() * 100);
        for (KeyRecord r : records) {
            payload.append(r.id().guid()).append('\t').append(r.password().reveal()).append('\t')
                    .append(r.host() == null ? "" : r.host().replace('\t', ' ').replace('\n', ' ')).append('\n');
        }
        byte[] plain = payload.toString().getBytes(StandardCharsets.UTF_8);
        byte[] sealed;
        try {
            sealed = cipher(Cipher.ENCRYPT_MODE, derive(passphrase, salt, kdf), nonce, header).doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt the bundle: " + e.getMessage(), e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        ByteBuffer file = ByteBuffer.allocate(MAGIC.length + 4 + header.length + sealed.length);
        file.put(MAGIC).putInt(header.length).put(header).put(sealed);
        Files.write(out, file.array());
    }

    /**
     * What bootmedic accepts from a bundle header. The header is authenticated only by the key its
     * own parameters derive, so they are bounded before any KDF work: a planted header asking
     * Argon2 for gigabytes or hundreds of passes must be refused, not obeyed.
     */
    static final int MAX_MEMORY_KIB = 256 * 1024 / 4; // 64 MiB: a quarter of the smallest heap bootmedic runs in
    static final int MAX_ITERATIONS = 10;
    static final int MAX_PARALLELISM = 4;
    /** 100,000 keys take about 10 MB; a bigger file was not made by 'keys bundle'. */
    static final long MAX_BYTES = 64L * 1024 * 1024;
    private static final int GCM_TAG = 16;
    static final java.util.concurrent.atomic.AtomicInteger KDF_RUNS = new java.util.concurrent.atomic.AtomicInteger(); // for tests

    public static KeyStore open(Path file, char[] passphrase) throws IOException {
        String name = file.getFileName().toString();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BundleException("key bundle " + file + " cannot be read: " + KeyFileReader.reason(e));
        }
        if (size > MAX_BYTES) {
            throw new BundleException("key bundle " + file + " has " + (size >> 20) + " MiB; bundles made by 'bootmedic keys bundle' are far smaller "
                    + "(100,000 keys take about 10 MB): it is not a bundle, or is damaged");
        }
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BundleException("key bundle " + file + " cannot be read: " + KeyFileReader.reason(e));
        }
        return open(all, name, passphrase);
    }

    /** Opens a bundle already in memory; {@code name} labels it in messages and key sources. */
    public static KeyStore open(byte[] all, String name, char[] passphrase) throws BundleException {
        Header header = header(all, name);
        byte[] plain;
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, derive(passphrase, header.salt, header.kdf), header.nonce, header.raw);
            plain = c.doFinal(all, header.bodyOffset, all.length - header.bodyOffset);
        } catch (AEADBadTagException e) {
            throw new BundleException("wrong passphrase for " + name + ", or the bundle was modified after it was made");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new BundleException("key bundle " + name + " cannot be decrypted (" + ErrorWords.reason(e) + "): it is damaged; make it again with 'bootmedic keys bundle'");
        }
        KeyStore store = new KeyStore();
        String text = new String(plain, StandardCharsets.UTF_8);
        Arrays.fill(plain, (byte) 0);
        int line = 0;
        for (String row : text.split("\n")) {
            line++;
            if (row.isEmpty()) {
                continue;
            }
            String[] f = row.split("\t", -1);
            try {
                store.add(new KeyRecord(KeyId.parse(f[0]), RecoveryPassword.parse(f[1]), f.length > 2 && !f[2].isEmpty() ? f[2] : null,
                        name + " entry " + line));
            } catch (InvalidRecoveryPasswordException | RuntimeException e) {
                throw new BundleException(name + ": entry " + line + " is damaged");
            }
        }
        return store;
    }

    /** The checked header: every field bounded before it is used. */
    record Header(byte[] raw, int bodyOffset, KdfParams kdf, byte[] salt, byte[] nonce) {
    }

    static Header header(byte[] all, String name) throws BundleException {
        LeBytes b = LeBytes.of(all, "key bundle " + name);
        if (!b.startsWith(0, MAGIC)) {
            throw new BundleException(name + " is not a bootmedic key bundle (it does not start with BMKB)");
        }
        long headerLength;
        try {
            headerLength = b.u32be(4);
        } catch (FormatException e) {
            throw new BundleException("key bundle " + name + " ends inside its header: it is truncated");
        }
        if (headerLength == 0 || headerLength > MAX_HEADER) {
            throw new BundleException("key bundle " + name + ": its header length (" + headerLength + ") is not one bootmedic writes (1 to "
                    + MAX_HEADER + " bytes): it was not made by bootmedic keys bundle, or is damaged");
        }
        byte[] raw;
        try {
            Exact.requireRange(8, headerLength, all.length, "key bundle " + name + " header");
            raw = b.bytes(8, headerLength);
        } catch (FormatException e) {
            throw new BundleException("key bundle " + name + " ends inside its header: it is truncated");
        }
        int bodyOffset = 8 + (int) headerLength;
        if (all.length - bodyOffset < GCM_TAG) {
            throw new BundleException("key bundle " + name + " ends before its encrypted keys: it is truncated");
        }
        Map<String, Object> h;
        try {
            h = Json.readObject(raw);
        } catch (IOException | RuntimeException e) {
            throw new BundleException("key bundle " + name + ": its header is not the JSON bootmedic writes: it is damaged");
        }
        if (!"bootmedic.key-bundle/v1".equals(h.get("format")) || !"argon2id".equals(h.get("kdf")) || !"AES-256-GCM".equals(h.get("cipher"))) {
            throw new BundleException("key bundle " + name + " is not a bootmedic.key-bundle/v1 with Argon2id and AES-256-GCM: "
                    + "it was not made by this bootmedic, or is damaged");
        }
        int memory = bounded(h, "memoryKiB", 8, MAX_MEMORY_KIB, "KiB of memory", name);
        int iterations = bounded(h, "iterations", 1, MAX_ITERATIONS, "passes", name);
        int parallelism = bounded(h, "parallelism", 1, MAX_PARALLELISM, "lanes", name);
        byte[] salt = base64(h, "salt", 16, 64, name);
        byte[] nonce = base64(h, "nonce", 12, 12, name);
        return new Header(raw, bodyOffset, new KdfParams(memory, iterations, parallelism), salt, nonce);
    }

    private static int bounded(Map<String, Object> h, String field, int min, int max, String unit, String name) throws BundleException {
        Object v = h.get(field);
        if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger)) {
            throw new BundleException("key bundle " + name + ": its header has no whole number " + field + ": it was not made by bootmedic keys bundle, or is damaged");
        }
        java.math.BigInteger n = new java.math.BigInteger(v.toString());
        if (n.compareTo(java.math.BigInteger.valueOf(min)) < 0 || n.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            String asked = field.equals("memoryKiB") && n.signum() > 0 ? n.shiftRight(10) + " MiB (" + n + " KiB)" : n + " " + unit;
            String allowed = field.equals("memoryKiB") ? (max >> 10) + " MiB" : max + " " + unit;
            throw new BundleException("key bundle " + name + " asks for " + asked + " of Argon2 work, more than bootmedic allows (" + min + " to "
                    + allowed + "): it was not made by bootmedic keys bundle, or is damaged. Nothing was tried.");
        }
        return n.intValue();
    }

    private static byte[] base64(Map<String, Object> h, String field, int min, int max, String name) throws BundleException {
        Object v = h.get(field);
        byte[] out = null;
        if (v instanceof String s && s.length() <= 4 * max) {
            try {
                out = Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                out = null;
            }
        }
        if (out == null || out.length < min || out.length > max) {
            throw new BundleException("key bundle " + name + ": its " + field + " is not " + (min == max ? min : min + " to " + max)
                    + " bytes of base64: it was not made by bootmedic keys bundle, or is damaged");
        }
        return out;
    }

    private static byte[] derive(char[] passphrase, byte[] salt, KdfParams kdf) {
        KDF_RUNS.incrementAndGet();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withSalt(salt).withMemoryAsKB(kdf.memoryKiB())
                .withIterations(kdf.iterations()).withParallelism(kdf.parallelism()).build());
        byte[] key = new byte[32];
        gen.generateBytes(passphrase, key);
        return key;
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce, byte[] aad) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        Arrays.fill(key, (byte) 0);
        c.updateAAD(aad);
        return c;
    }
}
