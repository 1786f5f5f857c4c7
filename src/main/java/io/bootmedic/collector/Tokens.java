package io.bootmedic.collector;

import io.bootmedic.util.Json;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens: random, shown once at creation, stored only as SHA-256 hashes (tokens are
 * high-entropy, so an unsalted hash is enough and lets the server find one in constant time).
 */
public final class Tokens {
    public enum Role { ADMIN, AGENT }

    /** Who made a request: a role and the token's public id (a hash prefix), never the token. */
    public record Principal(Role role, String tokenId) {
        public String actor() {
            return role.name().toLowerCase(java.util.Locale.ROOT) + ":" + tokenId;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Principal> byHash;

    private Tokens(Map<String, Principal> byHash) {
        this.byHash = byHash;
    }

    public static String newToken(Role role) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "bm" + (role == Role.ADMIN ? "adm" : "agt") + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String hash(String token) {
        return Sha256.of(token.getBytes(StandardCharsets.UTF_8));
    }

    /** The stored form of a set of tokens: role, id and hash of each. */
    public static byte[] storedForm(Map<String, Role> tokens) {
        List<Map<String, Object>> list = new ArrayList<>();
        tokens.forEach((token, role) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            String h = hash(token);
            m.put("role", role.name().toLowerCase(java.util.Locale.ROOT));
            m.put("id", h.substring(0, 8));
            m.put("sha256", h);
            list.add(m);
        });
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("tokens", list);
        return Json.write(root);
    }

    public static Tokens load(Path file) throws IOException {
        Map<String, Object> root = Json.readObject(Files.readAllBytes(file));
        Map<String, Principal> byHash = new LinkedHashMap<>();
        Object list = root.get("tokens");
        if (!(list instanceof List)) {
            throw new IOException(file + " is not a collector token file");
        }
        for (Object o : (List<?>) list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("sha256") instanceof String h) || !(m.get("role") instanceof String r)) {
                throw new IOException(file + " has a malformed token entry");
            }
            byHash.put(h, new Principal(Role.valueOf(r.toUpperCase(java.util.Locale.ROOT)), h.substring(0, 8)));
        }
        return new Tokens(byHash);
    }

    public Optional<Principal> authenticate(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        String h = hash(token);
        for (Map.Entry<String, Principal> e : byHash.entrySet()) {
            if (MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.US_ASCII), h.getBytes(StandardCharsets.US_ASCII))) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }
}
