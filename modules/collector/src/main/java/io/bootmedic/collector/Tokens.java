package io.bootmedic.collector;

import io.bootmedic.util.Json;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens: random, shown once at creation, stored only as SHA-256 hashes in tokens.json
 * (tokens are high-entropy, so an unsalted hash is enough). The running collector re-reads the
 * file when it changes, so a token revoked for a lost USB stick stops working within seconds.
 */
public final class Tokens {
    /** admin: dashboard, fleet API, key import; agent: reports and key releases; metrics: /metrics only. */
    public enum Role { ADMIN, AGENT, METRICS }

    /**
     * Who made a request: a role and the token's public id (a hash prefix), never the token. A
     * per-machine token (docs/self-healing.md §1) is an agent token with the {@code machine} it was
     * enrolled for; every other token has none.
     */
    public record Principal(Role role, String tokenId, Machine machine) {
        public Principal(Role role, String tokenId) {
            this(role, tokenId, null);
        }

        public String actor() {
            return (machine != null ? "machine" : role.name().toLowerCase(Locale.ROOT)) + ":" + tokenId;
        }
    }

    /**
     * What a per-machine token is bound to: the identity it enrolled with, its agent.conf tags and
     * the BitLocker key IDs of its volumes (upper-case GUIDs). It may be released those keys only,
     * and only while a playbook whose scope includes this identity is active.
     */
    public record Machine(String machineId, String computerName, String biosSerial, String vmId, Map<String, String> tags,
                          java.util.Set<String> keyIds) {
        public Machine {
            tags = Map.copyOf(tags);
            keyIds = java.util.Set.copyOf(keyIds);
        }
    }

    /**
     * One stored token: no secret in it. An {@code enrolment} agent token arms machines (each gets a
     * token of its own, bound to it) and sends readiness and reports, but is released no key.
     */
    public record Entry(Role role, String id, String sha256, String label, String created, boolean enrolment) {
    }

    /** The token-file value of an agent token that fetches no keys: it enrols machines. */
    static final String ENROLMENT = "enrolment";
    /** What earlier versions wrote for WinRE's token; such a token is an enrolment token now (docs/self-healing.md §1). */
    static final String INCIDENT_ONLY = "incident-only";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long RECHECK_MILLIS = 2000;
    private final Path file;
    private volatile Map<String, Principal> byHash;
    private volatile java.util.Set<String> enrolmentIds = java.util.Set.of();
    private volatile FileTime loadedAt;
    private volatile long checkedAt;

    private Tokens(Path file) throws IOException {
        this.file = file;
        reload();
    }

    public static Tokens load(Path file) throws IOException {
        return new Tokens(file);
    }

    public static String newToken(Role role) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "bm" + switch (role) {
            case ADMIN -> "adm";
            case AGENT -> "agt";
            case METRICS -> "met";
        } + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String hash(String token) {
        return Sha256.of(token.getBytes(StandardCharsets.UTF_8));
    }

    /** The tokens stored in a file (an absent file holds none). */
    public static List<Entry> entries(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        Object list = Json.readObject(Files.readAllBytes(file)).get("tokens");
        if (!(list instanceof List)) {
            throw new IOException(file + " is not a collector token file");
        }
        for (Object o : (List<?>) list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("sha256") instanceof String h) || !h.matches("[0-9a-f]{64}")
                    || !(m.get("role") instanceof String r) || !(r.equals("admin") || r.equals("agent") || r.equals("metrics"))) {
                throw new IOException(file + " has a malformed token entry");
            }
            Object keys = m.get("keys");
            if (keys != null && !ENROLMENT.equals(keys) && !INCIDENT_ONLY.equals(keys)) {
                throw new IOException(file + " has a token entry with an unknown \"keys\" value (only \"" + ENROLMENT + "\" is known)");
            }
            entries.add(new Entry(Role.valueOf(r.toUpperCase(Locale.ROOT)), h.substring(0, 8), h,
                    m.get("label") instanceof String l ? l : null, m.get("created") instanceof String c ? c : null, keys != null));
        }
        return entries;
    }

    /** Creates a token, stores its hash, and returns the token: the only time it is seen. */
    public static String add(Path file, Role role, String label) throws IOException {
        return add(file, role, label, false);
    }

    /** As {@link #add(Path, Role, String)}; an {@code enrolment} token (agent tokens only) arms machines and fetches no keys. */
    public static String add(Path file, Role role, String label, boolean enrolment) throws IOException {
        if (enrolment && role != Role.AGENT) {
            throw new IllegalArgumentException("only an agent token can be an enrolment token (--enrolment)");
        }
        String token = newToken(role);
        List<Entry> entries = entries(file);
        String h = hash(token);
        entries.add(new Entry(role, h.substring(0, 8), h, label, Instant.now().toString(), enrolment));
        write(file, entries);
        return token;
    }

    /** Removes a token by its id; returns whether one was removed. */
    public static boolean revoke(Path file, String id) throws IOException {
        List<Entry> entries = entries(file);
        boolean removed = entries.removeIf(e -> e.id().equals(id));
        if (removed) {
            write(file, entries);
        }
        return removed;
    }

    private static void write(Path file, List<Entry> entries) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", e.role().name().toLowerCase(Locale.ROOT));
            m.put("id", e.id());
            m.put("sha256", e.sha256());
            m.put("label", e.label());
            m.put("created", e.created());
            if (e.enrolment()) {
                m.put("keys", ENROLMENT);
            }
            list.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("tokens", list);
        CollectorDir.writeSecret(file, Json.write(root)); // hashes, roles and labels: owner only, like every file of the folder
    }

    private void reload() throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        Map<String, Principal> map = new LinkedHashMap<>();
        java.util.Set<String> enrolment = new java.util.HashSet<>();
        for (Entry e : entries(file)) {
            map.put(e.sha256(), new Principal(e.role(), e.id()));
            if (e.enrolment()) {
                enrolment.add(e.id());
            }
        }
        enrolmentIds = java.util.Set.copyOf(enrolment);
        byHash = map;
        loadedAt = mtime;
    }

    private void reloadIfChanged() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < RECHECK_MILLIS) {
            return;
        }
        checkedAt = now;
        try {
            if (!Files.getLastModifiedTime(file).equals(loadedAt)) {
                reload();
            }
        } catch (IOException e) {
            // keep the tokens we have: a half-written or vanished file must not lock everyone out
            System.err.println("collector: cannot re-read " + file + " (" + e.getMessage() + "); keeping the tokens loaded before");
        }
    }

    /** Whether the token behind {@code p} is an enrolment token: it arms machines and is released no key. */
    public boolean enrolmentOnly(Principal p) {
        reloadIfChanged();
        return p.machine() == null && enrolmentIds.contains(p.tokenId());
    }

    /** Whether the token behind a principal is still in tokens.json (a dashboard session dies with its token). */
    public boolean active(Principal p) {
        reloadIfChanged();
        return byHash.containsValue(p);
    }

    public Optional<Principal> authenticate(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        reloadIfChanged();
        byte[] h = hash(token).getBytes(StandardCharsets.US_ASCII);
        for (Map.Entry<String, Principal> e : byHash.entrySet()) {
            if (MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.US_ASCII), h)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }
}
