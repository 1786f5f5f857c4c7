package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.SessionStore;

import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;

/**
 * Dashboard logins: a random session id in an HttpOnly, Secure, SameSite=Strict cookie, valid
 * for 8 hours, kept in the database so any collector behind the load balancer knows it.
 */
final class Sessions {
    static final String COOKIE = "bm_session";
    private static final long LIFETIME_MILLIS = 8 * 3_600_000L;
    private final SecureRandom random = new SecureRandom();
    private final SessionStore store;

    Sessions(SessionStore store) {
        this.store = store;
    }

    String create(Tokens.Principal principal, long now) throws SQLException {
        byte[] b = new byte[32];
        random.nextBytes(b);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        store.create(id, principal, now + LIFETIME_MILLIS, now);
        return id;
    }

    Optional<Tokens.Principal> find(String cookieHeader, long now) throws SQLException {
        String id = cookie(cookieHeader);
        return id == null ? Optional.empty() : store.find(id, now);
    }

    void remove(String cookieHeader) throws SQLException {
        String id = cookie(cookieHeader);
        if (id != null) {
            store.remove(id);
        }
    }

    /** The session id from a Cookie header; only ids of the shape we make are looked up. */
    private static String cookie(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        for (String part : cookieHeader.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=")) {
                String id = p.substring(COOKIE.length() + 1);
                if (id.matches("[A-Za-z0-9_-]{43}")) {
                    return id;
                }
            }
        }
        return null;
    }
}
