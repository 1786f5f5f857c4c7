package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Dashboard logins: a random session id in an HttpOnly, Secure, SameSite=Strict cookie, valid for 8 hours. */
final class Sessions {
    static final String COOKIE = "bm_session";
    private static final long LIFETIME_MILLIS = 8 * 3_600_000L;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

    private record Session(Tokens.Principal principal, long expires) {
    }

    String create(Tokens.Principal principal, long now) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        sessions.put(id, new Session(principal, now + LIFETIME_MILLIS));
        sessions.values().removeIf(s -> s.expires < now);
        return id;
    }

    Optional<Tokens.Principal> find(String cookieHeader, long now) {
        if (cookieHeader == null) {
            return Optional.empty();
        }
        for (String part : cookieHeader.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=")) {
                Session s = sessions.get(p.substring(COOKIE.length() + 1));
                if (s != null && s.expires >= now) {
                    return Optional.of(s.principal);
                }
            }
        }
        return Optional.empty();
    }

    void remove(String cookieHeader) {
        if (cookieHeader != null) {
            for (String part : cookieHeader.split(";")) {
                String p = part.trim();
                if (p.startsWith(COOKIE + "=")) {
                    sessions.remove(p.substring(COOKIE.length() + 1));
                }
            }
        }
    }
}
