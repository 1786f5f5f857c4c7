package io.bootmedic.cloud.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What an ARM answer means to the engine. ARM's error codes are read where the status alone is ambiguous: a 409 is
 * "busy, try again" when another operation holds the resource, but "the state does not allow it" when the request
 * itself cannot be done now (a running VM's OS disk, an attached disk).
 */
final class ArmErrors {
    /** 409 codes that say another operation holds the resource: retried with backoff, not a refusal. */
    private static final Set<String> BUSY = Set.of("conflict", "retryableerror", "operationpreempted", "attachdiskwhilebeingdetached", "concurrentrequest");
    /** Codes that say the name is taken by a resource this request would change (a PUT is an upsert in ARM). */
    private static final Set<String> TAKEN = Set.of("propertychangenotallowed", "preconditionfailed", "resourcealreadyexists");

    private ArmErrors() {
    }

    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw map(what, e);
        }
    }

    static void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    static CloudException map(String what, Throwable e) {
        if (e instanceof CloudException c) {
            return c;
        }
        HttpResponseException h = find(e, HttpResponseException.class);
        if (h != null && h.getResponse() != null) {
            int status = h.getResponse().getStatusCode();
            String code = code(h);
            String msg = what + ": HTTP " + status + (code.isEmpty() ? "" : " " + code) + ": " + oneLine(h.getMessage());
            String lc = code.toLowerCase(Locale.ROOT);
            if (status == 401 || lc.equals("invalidauthenticationtoken") || lc.equals("expiredauthenticationtoken")) {
                throw new io.bootmedic.cloud.provider.CloudLoginException(msg + " (the token was refused: az login again)");
            }
            if (status == 429 || lc.equals("toomanyrequests")) {
                String retry = h.getResponse().getHeaders().getValue(com.azure.core.http.HttpHeaderName.RETRY_AFTER);
                return new CloudException(Kind.THROTTLED, msg + (retry == null ? "" : " (Retry-After " + retry + " s)"));
            }
            if (status >= 500 || status == 408) {
                return new CloudException(Kind.TRANSIENT, msg);
            }
            if (status == 404) {
                return new CloudException(Kind.NOT_FOUND, msg);
            }
            if (status == 412 || TAKEN.contains(lc)) {
                return new CloudException(Kind.ALREADY_EXISTS, msg);
            }
            if (status == 409) {
                return new CloudException(BUSY.contains(lc) ? Kind.TRANSIENT : Kind.CONFLICT, msg);
            }
            if (lc.equals("operationnotallowed")) {
                return new CloudException(Kind.CONFLICT, msg);
            }
            return new CloudException(Kind.FATAL, msg);
        }
        if (find(e, com.azure.identity.CredentialUnavailableException.class) != null
                || find(e, com.azure.core.exception.ClientAuthenticationException.class) != null) {
            throw new io.bootmedic.cloud.provider.CloudLoginException("no usable Azure credential (az login, a managed identity, or AZURE_* variables)");
        }
        if (find(e, IOException.class) != null || find(e, UncheckedIOException.class) != null || find(e, java.util.concurrent.TimeoutException.class) != null) {
            return new CloudException(Kind.TRANSIENT, what + ": " + oneLine(String.valueOf(e.getMessage())));
        }
        return new CloudException(Kind.FATAL, what + ": " + oneLine(String.valueOf(e)));
    }

    private static String code(HttpResponseException h) {
        if (h instanceof ManagementException m && m.getValue() != null && m.getValue().getCode() != null) {
            return m.getValue().getCode();
        }
        return "";
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    private static <X extends Throwable> X find(Throwable e, Class<X> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
