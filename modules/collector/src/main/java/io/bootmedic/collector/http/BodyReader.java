package io.bootmedic.collector.http;

import io.bootmedic.collector.Readiness;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Reads a request body without holding a thread: Jetty's demand model fills a buffer as bytes
 * arrive, and the route (which blocks on the database) runs on a pool thread only once the whole
 * body is in. So a client that sends a head and one body byte costs a buffer, never a thread.
 * Each body has a whole-body deadline (enforced for every connection, busy or not: a slow body
 * is a 408), a size limit per route decided from the head before any byte is read, and all
 * bodies in memory at once share one budget (a 503 beyond it, never an OutOfMemoryError).
 */
final class BodyReader {
    /** What the head says about the body to come. */
    record Plan(boolean read, int max, long reserve, long deadlineMillis, int refusal, String why) {
        static final Plan NONE = new Plan(false, 0, 0, 0, 0, null);

        static Plan refuse(int status, String why) {
            return new Plan(false, 0, 0, 0, status, why);
        }
    }

    /** A body that never completed: 408 when it was too slow, 400/413 when it was refused as it came. */
    static final class BodyFailure extends RuntimeException {
        final int status;

        BodyFailure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    static final int DEFAULT_MAX = 64 << 10;
    static final int LOGIN_MAX = 4096;
    static final long LOGIN_MILLIS = 3_000;

    private final ScheduledExecutorService timer;
    private final long bodyMillis;
    private final long minBytesPerSecond;
    private final long budget;
    private final AtomicLong buffered = new AtomicLong();

    BodyReader(long bodyMillis, long minBytesPerSecond, long budgetBytes) {
        this.bodyMillis = bodyMillis;
        this.minBytesPerSecond = Math.max(1, minBytesPerSecond);
        this.budget = budgetBytes;
        this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "collector-body-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    /** The largest body a route takes (the route checks it again, with its own words). */
    static int maxFor(String method, String path) {
        if (!method.equals("POST") && !method.equals("PUT")) {
            return DEFAULT_MAX;
        }
        return switch (path) {
            case "/api/v1/reports" -> ApiRoutes.MAX_REPORT_BYTES;
            case "/api/v1/keys/import" -> ApiRoutes.MAX_IMPORT_BYTES;
            case "/api/v1/readiness" -> Readiness.MAX_BYTES;
            case "/api/v1/playbooks" -> PublishRequest.MAX_BYTES;
            case "/login" -> LOGIN_MAX;
            default -> DEFAULT_MAX;
        };
    }

    /**
     * Decides from the head alone: no body, a body to read (how much, by when), or a refusal. A
     * caller without a token or session (the login form, an attacker) gets the login form's small
     * limit and short deadline whatever the path: only a known caller may make the collector wait.
     */
    Plan plan(String method, String path, String contentLength, String transferEncoding, boolean known) {
        boolean chunked = transferEncoding != null && !transferEncoding.isBlank();
        long declared = 0;
        if (contentLength != null) {
            try {
                declared = Long.parseLong(contentLength.trim());
            } catch (NumberFormatException e) {
                return Plan.refuse(400, "bad Content-Length");
            }
            if (declared < 0) {
                return Plan.refuse(400, "bad Content-Length");
            }
        }
        if (declared == 0 && !chunked) {
            return Plan.NONE;
        }
        boolean small = !known || path.equals("/login");
        int max = small ? Math.min(LOGIN_MAX, maxFor(method, path)) : maxFor(method, path);
        if (small && chunked) {
            return Plan.refuse(411, "a body here needs a Content-Length");
        }
        if (declared > max) {
            return Plan.refuse(413, "the body is larger than " + max + " bytes");
        }
        long expected = chunked ? max : declared;
        long deadline = small ? LOGIN_MILLIS : bodyMillis + expected * 1000 / minBytesPerSecond;
        return new Plan(true, max, expected, deadline, 0, null);
    }

    /**
     * Reads the body the plan allows; {@code then} runs on {@code executor} with the bytes or the
     * failure, exactly once. Nothing here blocks: the caller's thread returns at once.
     */
    void read(Request request, Plan plan, Executor executor, BiConsumer<byte[], BodyFailure> then) {
        long reserve = plan.reserve();
        if (buffered.addAndGet(reserve) > budget) {
            buffered.addAndGet(-reserve);
            executor.execute(() -> then.accept(null, new BodyFailure(503, "the collector is busy reading other uploads; try again shortly")));
            return;
        }
        ScheduledFuture<?> deadline = timer.schedule(
                () -> request.fail(new TimeoutException("body not complete in " + plan.deadlineMillis() + " ms")), plan.deadlineMillis(),
                TimeUnit.MILLISECONDS);
        CompletableFuture<byte[]> body = Content.Source.asByteArrayAsync(request, plan.max());
        body.whenComplete((bytes, failure) -> {
            deadline.cancel(false);
            buffered.addAndGet(-reserve);
            BodyFailure f = failure == null ? null : failure(failure, plan);
            executor.execute(() -> then.accept(f == null ? bytes : null, f));
        });
    }

    private static BodyFailure failure(Throwable t, Plan plan) {
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        // our deadline and Jetty's idle timeout both fail the read with a TimeoutException; a slow socket read with InterruptedIOException
        if (cause instanceof TimeoutException || cause instanceof java.io.InterruptedIOException) {
            return new BodyFailure(408, "the request body did not arrive in time (" + plan.deadlineMillis() / 1000 + " s)");
        }
        if (cause instanceof IllegalArgumentException || cause instanceof ArithmeticException) {
            return new BodyFailure(413, "the body is larger than " + plan.max() + " bytes");
        }
        if (cause instanceof org.eclipse.jetty.http.BadMessageException bad) {
            return bad.getCode() == 408 ? new BodyFailure(408, "the request body did not arrive in time")
                    : new BodyFailure(400, "the request body was malformed or ended early (" + bad.getReason() + "); nothing was stored");
        }
        return new BodyFailure(400, "the request body was malformed or ended early (the connection failed while it was sent); nothing was stored");
    }

    /** Bytes reserved for bodies being read now (for tests and metrics). */
    long buffered() {
        return buffered.get();
    }

    void close() {
        timer.shutdownNow();
    }
}
