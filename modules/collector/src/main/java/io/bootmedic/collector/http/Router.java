package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.Revocations;
import io.bootmedic.format.Printable;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Every request passes here: who is calling (bearer token or dashboard session), which route,
 * and the measurements (access log, latency histogram). Errors become short JSON or HTML
 * answers; stack traces go to the server's own error stream only.
 */
final class Router extends Handler.Abstract {
    private final Tokens tokens;
    private final Sessions sessions;
    private final ApiRoutes api;
    private final Dashboard dashboard;
    private final Metrics metrics;
    private final AccessLog log;
    private final SlowClientGuard guard;

    private final Revocations revocations;
    private final BodyReader bodies;
    private final io.bootmedic.collector.store.MachineTokens machines;

    Router(Tokens tokens, Revocations revocations, Sessions sessions, ApiRoutes api, Dashboard dashboard, Metrics metrics, AccessLog log, SlowClientGuard guard,
           BodyReader bodies, io.bootmedic.collector.store.MachineTokens machines) {
        this.machines = machines;
        this.guard = guard;
        this.bodies = bodies;
        this.revocations = revocations;
        this.tokens = tokens;
        this.sessions = sessions;
        this.api = api;
        this.dashboard = dashboard;
        this.metrics = metrics;
        this.log = log;
    }

    /**
     * Jetty calls this once the request line and headers are in (a slow client costs no thread
     * before that). A body is then read by {@link BodyReader} without a thread; the route, which
     * blocks on the database, runs on a pool thread once the whole body is in. An API call without
     * a valid token is answered before its body is read, and its connection closed.
     */
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        guard.started(request);
        Exchange ex = new Exchange(request, response);
        String path = ex.rawPath();
        // the caller is authenticated once here and handed to the route; a session is looked up only for a body
        Optional<Tokens.Principal> bearer = bearer(ex);
        boolean body = ex.header("Content-Length") != null || ex.header("Transfer-Encoding") != null;
        boolean known = bearer.isPresent() || body && validSession(ex);
        BodyReader.Plan plan = bodies.plan(ex.method(), path, ex.header("Content-Length"), ex.header("Transfer-Encoding"), known);
        if (plan.read() && path.startsWith("/api/") && !known) {
            ex.closeAfter(); // 401 at once: an unknown caller's upload is never read
            plan = BodyReader.Plan.NONE;
        }
        if (plan.refusal() != 0) {
            ex.closeAfter();
            finish(ex, bearer, callback, request, new BodyReader.BodyFailure(plan.refusal(), plan.why()));
        } else if (!plan.read()) {
            finish(ex, bearer, callback, request, null);
        } else {
            java.util.concurrent.Executor pool = request.getComponents().getExecutor();
            bodies.read(request, plan, pool, (bytes, failure) -> {
                if (failure == null) {
                    ex.bufferedBody(bytes);
                } else {
                    ex.closeAfter(); // what is left of a refused body is never read
                }
                finish(ex, bearer, callback, request, failure);
            });
        }
        return true;
    }

    /** Whether the request carries a valid dashboard session (with a valid token, a caller's body may be large or slow). */
    private boolean validSession(Exchange ex) {
        try {
            return ex.header("Cookie") != null && sessions.find(ex.header("Cookie"), System.currentTimeMillis()).filter(this::valid).isPresent();
        } catch (java.sql.SQLException e) {
            return false; // the route itself will answer the database's trouble
        }
    }

    private void finish(Exchange ex, Optional<Tokens.Principal> bearer, Callback callback, Request request, BodyReader.BodyFailure failure) {
        try {
            if (failure == null) {
                handle(ex, bearer);
            } else {
                refuse(ex, failure);
            }
        } finally {
            guard.finished(request);
            callback.succeeded();
        }
    }

    /** A body refused by its head or as it came in: one access-log line, no stack trace. */
    private void refuse(Exchange ex, BodyReader.BodyFailure failure) {
        long start = System.nanoTime();
        String path = ex.rawPath();
        respondQuietly(ex, failure.status, failure.getMessage(), path);
        long nanos = System.nanoTime() - start;
        metrics.observe(route(path), nanos);
        metrics.count("bootmedic_http_requests_total", "status", String.valueOf(ex.status()));
        log.log(HttpIo.remote(ex), ex.method(), path, ex.status(), nanos / 1e6, null);
    }

    void handle(Exchange ex, Optional<Tokens.Principal> bearer) {
        long start = System.nanoTime();
        String path = ex.rawPath();
        Optional<Tokens.Principal> who = Optional.empty();
        String route = route(path);
        try {
            who = bearer;
            if (path.startsWith("/api/")) {
                if (who.isEmpty()) {
                    ex.setHeader("WWW-Authenticate", "Bearer");
                    HttpIo.error(ex, 401, "missing or unknown token: send 'Authorization: Bearer <token>' (agent.conf holds the agent token)");
                } else {
                    api.handle(ex, path, who.get());
                }
            } else if (path.equals("/healthz")) {
                HttpIo.send(ex, 200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/metrics")) {
                if (who.isEmpty() || (who.get().role() != Tokens.Role.METRICS && who.get().role() != Tokens.Role.ADMIN)) {
                    ex.setHeader("WWW-Authenticate", "Bearer");
                    throw new HttpIo.HttpError(401, "/metrics needs a metrics token (bootmedic collector token add --role metrics) or the admin token");
                }
                HttpIo.send(ex, 200, metrics.contentType(), metrics.text().getBytes(StandardCharsets.UTF_8));
            } else {
                who = who.isPresent() ? who : sessions.find(ex.header("Cookie"), System.currentTimeMillis())
                        .filter(this::valid); // a session dies with the admin token it was made with
                dashboard.handle(ex, path, who);
            }
        } catch (HttpIo.HttpError e) {
            respondQuietly(ex, e.status, e.getMessage(), path);
        } catch (org.eclipse.jetty.io.EofException e) {
            // Jetty reports a body that breaks off (a bad chunk size, a chunk cut short) as an early EOF:
            // refuse it, or Jetty would end the exchange with an empty 200. A client gone mid-answer gets nothing.
            if (!ex.committed()) {
                ex.closeAfter();
                respondQuietly(ex, 400, "the request body is malformed or ended early (a bad chunk size, or a chunk cut short); nothing was stored: "
                        + "send the whole request again", path);
            }
        } catch (Exception e) {
            System.err.println("collector: " + Printable.of(ex.method() + " " + path) + " failed:"); // the path is the caller's
            e.printStackTrace();
            respondQuietly(ex, 500, "internal error; the collector's log has the details", path);
        } finally {
            long nanos = System.nanoTime() - start;
            metrics.observe(route, nanos);
            int status = ex.status();
            metrics.count("bootmedic_http_requests_total", "status", String.valueOf(status));
            log.log(HttpIo.remote(ex), ex.method(), path, status, nanos / 1e6, who.map(Tokens.Principal::actor).orElse(null));
        }
    }

    private static void respondQuietly(Exchange ex, int status, String message, String path) {
        try {
            if (!ex.committed()) {
                HttpIo.error(ex, status, message);
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private Optional<Tokens.Principal> bearer(Exchange ex) {
        String h = ex.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = h.substring(7).trim();
        if (token.startsWith(io.bootmedic.collector.store.MachineTokens.PREFIX)) {
            try {
                return machines.authenticate(token, System.currentTimeMillis());
            } catch (java.sql.SQLException e) {
                System.err.println("collector: cannot look up a machine token: " + io.bootmedic.format.ErrorWords.message(e));
                return Optional.empty(); // answered 401: the agent retries later, and no key leaves unchecked
            }
        }
        return tokens.authenticate(token).filter(p -> !revocations.isRevoked(p.tokenId()));
    }

    /** Whether a session's token is still known here and not revoked through any collector. */
    private boolean valid(Tokens.Principal p) {
        return tokens.active(p) && !revocations.isRevoked(p.tokenId());
    }

    /** A small, fixed set of route names for the latency histogram (ids in paths would explode it). */
    static String route(String path) {
        if (path.equals("/api/v1/reports")) {
            return "reports";
        }
        if (path.startsWith("/api/v1/keys/")) {
            return path.equals("/api/v1/keys/import") ? "keys_import" : "key_release";
        }
        if (path.startsWith("/api/")) {
            return "api_other";
        }
        if (path.equals("/metrics") || path.equals("/healthz")) {
            return "ops";
        }
        return "dashboard";
    }
}
