package io.bootmedic.keys;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Recovery keys indexed by key ID; an 8-digit prefix that two keys share is refused, never guessed. */
public final class KeyStore {
    private final Map<String, KeyRecord> byId = new LinkedHashMap<>();
    private final List<String> conflicts = new ArrayList<>();

    public void add(KeyRecord r) {
        KeyRecord existing = byId.get(r.id().guid());
        if (existing == null) {
            byId.put(r.id().guid(), r);
        } else if (!existing.password().equals(r.password())) {
            conflicts.add("key ID " + r.id().display() + " has different recovery passwords in " + existing.source() + " and " + r.source());
        }
    }

    public java.util.Collection<KeyRecord> all() {
        return java.util.Collections.unmodifiableCollection(byId.values());
    }

    public int size() {
        return byId.size();
    }

    /** Key IDs listed twice with different passwords (the first one is kept). */
    public List<String> conflicts() {
        return List.copyOf(conflicts);
    }

    /** The key for a full key ID or its first 8 hex digits. */
    public Optional<KeyRecord> find(String query) throws AmbiguousKeyIdException {
        String q = KeyId.normalize(query);
        KeyRecord exact = byId.get(q);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<KeyRecord> matches = byId.values().stream().filter(r -> r.id().matches(q)).toList();
        if (matches.size() > 1) {
            throw new AmbiguousKeyIdException("key ID " + q + " matches " + matches.size() + " keys ("
                    + String.join(", ", matches.stream().map(r -> r.id().display()).toList()) + "): give the whole key ID");
        }
        return matches.stream().findFirst();
    }
}
