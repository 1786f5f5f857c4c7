package io.bootmedic.collector.http;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers over an {@link Exchange}: bounded bodies, JSON and HTML answers, query strings. */
final class HttpIo {
    private HttpIo() {
    }

    /** A request the client got wrong; the message goes back to it as is, so it never holds internals. */
    static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * The request body, which {@link BodyReader} read whole before the route ran (refusing one
     * larger than the route's limit from its head); {@code max} is the route's own limit again.
     */
    static byte[] readBody(Exchange ex, int max) throws IOException {
        byte[] body;
        try (InputStream in = ex.body()) {
            body = in.readAllBytes();
        }
        if (body.length > max) {
            ex.closeAfter();
            throw new HttpError(413, "the body is larger than " + max + " bytes");
        }
        return body;
    }

    static void json(Exchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", Json.write(body));
    }

    static void error(Exchange ex, int status, String message) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        json(ex, status, m);
    }

    /** The headers every answer carries (no sniffing, no caching, no referrer; HTML also gets a strict CSP). */
    static void securityHeaders(Exchange ex, String contentType) {
        ex.setHeader("Content-Type", contentType);
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Cache-Control", "no-store");
        ex.setHeader("Referrer-Policy", "no-referrer");
        if (contentType.startsWith("text/html")) {
            ex.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'");
            ex.setHeader("X-Frame-Options", "DENY");
        }
    }

    static void send(Exchange ex, int status, String contentType, byte[] body) throws IOException {
        securityHeaders(ex, contentType);
        ex.send(status, body);
    }

    static void redirect(Exchange ex, String location) throws IOException {
        ex.setHeader("Location", location);
        ex.send(303, new byte[0]);
    }

    /** Query or form parameters; the first value of each name wins. */
    static Map<String, String> params(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            m.putIfAbsent(k, v);
        }
        return m;
    }

    /** Percent-decoding that answers 400 for a malformed escape such as {@code %zz} (the JDK throws). */
    static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "malformed percent-encoding (such as %zz) in the request");
        }
    }

    static int intParam(Map<String, String> p, String name, int dflt, int min, int max) {
        String v = p.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Math.max(min, Math.min(max, Integer.parseInt(v.trim())));
        } catch (NumberFormatException e) {
            throw new HttpError(400, name + " must be a number");
        }
    }

    static String remote(Exchange ex) {
        return ex.remote();
    }
}
