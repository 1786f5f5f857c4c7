package io.bootmedic.keys;

import io.bootmedic.util.Json;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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

    public static KeyStore open(Path file, char[] passphrase) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < 8 || !Arrays.equals(Arrays.copyOf(all, 4), MAGIC)) {
            throw new BundleException(file + " is not a bootmedic key bundle");
        }
        b.position(4);
        int headerLength = b.getInt();
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > all.length) {
            throw new BundleException(file + ": the bundle header is damaged");
        }
        byte[] header = Arrays.copyOfRange(all, 8, 8 + headerLength);
        Map<String, Object> h = Json.readObject(header);
        KdfParams kdf = new KdfParams((int) Json.number(h, "memoryKiB", -1), (int) Json.number(h, "iterations", -1), (int) Json.number(h, "parallelism", -1));
        if (!"argon2id".equals(Json.string(h, "kdf")) || kdf.memoryKiB() < 8 || kdf.memoryKiB() > 4 * 1024 * 1024 || kdf.iterations() < 1
                || kdf.iterations() > 100 || kdf.parallelism() < 1 || kdf.parallelism() > 64) {
            throw new BundleException(file + ": the bundle header states KDF parameters bootmedic does not accept");
        }
        byte[] salt = Base64.getDecoder().decode(String.valueOf(Json.string(h, "salt")));
        byte[] nonce = Base64.getDecoder().decode(String.valueOf(Json.string(h, "nonce")));
        byte[] plain;
        try {
            plain = cipher(Cipher.DECRYPT_MODE, derive(passphrase, salt, kdf), nonce, header).doFinal(all, 8 + headerLength, all.length - 8 - headerLength);
        } catch (AEADBadTagException e) {
            throw new BundleException("wrong passphrase for " + file.getFileName() + ", or the bundle was modified after it was made");
        } catch (GeneralSecurityException e) {
            throw new BundleException(file + " cannot be decrypted: " + e.getMessage());
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
                        file.getFileName() + " entry " + line));
            } catch (InvalidRecoveryPasswordException | RuntimeException e) {
                throw new BundleException(file + ": entry " + line + " is damaged");
            }
        }
        return store;
    }

    private static byte[] derive(char[] passphrase, byte[] salt, KdfParams kdf) {
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
