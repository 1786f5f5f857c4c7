package io.bootmedic.cloud.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.util.function.Supplier;

/**
 * Compute Engine's answers as the engine's kinds. Rate quotas answer 403 rateLimitExceeded (not only 429), so the
 * reason in the error body counts as much as the status; a 400 about the state of a resource (in use, not ready, "Invalid
 * resource usage") is a conflict, any other 400 a mistake of ours and fatal.
 */
final class GcpErrors {
    private GcpErrors() {
    }

    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (ApiException e) {
            throw map(what, e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof java.io.IOException) {
                throw new CloudException(Kind.TRANSIENT, what + ": " + e.getCause().getMessage());
            }
            throw e;
        }
    }

    static void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    static CloudException map(String what, ApiException e) {
        String text = text(e);
        String reason = e.getReason() != null ? e.getReason() : "";
        StatusCode.Code code = e.getStatusCode().getCode();
        String msg = what + ": " + firstLine(text);
        if (code == StatusCode.Code.RESOURCE_EXHAUSTED || reason.contains("RATE_LIMIT_EXCEEDED") || text.contains("rateLimitExceeded")
                || text.contains("userRateLimitExceeded")) {
            return new CloudException(Kind.THROTTLED, msg);
        }
        if (Integer.valueOf(409).equals(e.getStatusCode().getTransportCode()) || text.contains("alreadyExists")) {
            return new CloudException(Kind.ALREADY_EXISTS, msg); // gax reads HTTP 409 as ABORTED
        }
        return switch (code) {
            case ALREADY_EXISTS -> new CloudException(Kind.ALREADY_EXISTS, msg);
            case NOT_FOUND -> new CloudException(Kind.NOT_FOUND, msg);
            case UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, UNKNOWN, ABORTED -> new CloudException(Kind.TRANSIENT, msg);
            case FAILED_PRECONDITION -> new CloudException(Kind.TRANSIENT, msg); // 412: a label fingerprint moved on; read again
            case INVALID_ARGUMENT -> text.contains("resourceInUseByAnotherResource") || text.contains("resourceNotReady")
                    || text.contains("Invalid resource usage") ? new CloudException(Kind.CONFLICT, msg) : new CloudException(Kind.FATAL, msg);
            default -> new CloudException(Kind.FATAL, msg);
        };
    }

    /** The message and, where gax keeps it, the error body: a 403's reason (rateLimitExceeded) is only there. */
    private static String text(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 20_000; t = t.getCause()) {
            b.append(t.getMessage()).append('\n');
            if (t instanceof com.google.api.client.http.HttpResponseException h && h.getContent() != null) {
                b.append(h.getContent()).append('\n');
            }
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        // gax puts the HTTP status, the URL and the whole JSON body in the message; the API's own message is enough
        int m = s.indexOf("\"message\"");
        if (m >= 0) {
            int q1 = s.indexOf('"', s.indexOf(':', m) + 1);
            int q2 = q1 < 0 ? -1 : s.indexOf('"', q1 + 1);
            if (q1 >= 0 && q2 > q1) {
                return s.substring(q1 + 1, q2);
            }
        }
        return s.lines().findFirst().orElse(s);
    }
}
