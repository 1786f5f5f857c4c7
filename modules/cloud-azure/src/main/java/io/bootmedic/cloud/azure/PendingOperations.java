package io.bootmedic.cloud.azure;

import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ARM's long-running operations that this provider started and has not seen end. ARM accepts a write (201/202) and
 * may fail it later (Azure-AsyncOperation status Failed: an allocation failure on start, a refused disk change); the
 * resource then still reads as before, which would look like a write still under way. So the next read of a resource
 * with an operation outstanding polls that operation once, and a failure is reported, once, as the read's error.
 */
final class PendingOperations {
    private record Pending(String what, SyncPoller<? extends PollResult<?>, ?> poller) {
    }

    private final Map<String, Pending> byResource = new ConcurrentHashMap<>();

    void started(String what, SyncPoller<? extends PollResult<?>, ?> poller, String... resourceIds) {
        Pending p = new Pending(what, poller);
        for (String id : resourceIds) {
            byResource.put(id.toLowerCase(Locale.ROOT), p);
        }
    }

    /** Polls the operation outstanding on {@code resourceId}, if any; throws FATAL once if ARM says it failed. */
    void check(String resourceId) {
        String key = resourceId.toLowerCase(Locale.ROOT);
        Pending p = byResource.get(key);
        if (p == null) {
            return;
        }
        PollResponse<? extends PollResult<?>> r;
        try {
            r = p.poller().poll();
        } catch (RuntimeException e) {
            CloudException c = ArmErrors.map(p.what() + " (its operation status)", e);
            if (c.kind() == Kind.NOT_FOUND) {
                forget(p);
                return; // ARM keeps operation status for a while only: the resource read says the rest
            }
            if (c.retryable()) {
                return; // the status read failed, not the operation: look again next time
            }
            forget(p);
            throw new CloudException(Kind.FATAL, p.what() + " failed: " + c.getMessage());
        }
        LongRunningOperationStatus s = r.getStatus();
        if (LongRunningOperationStatus.SUCCESSFULLY_COMPLETED.equals(s)) {
            forget(p);
        } else if (LongRunningOperationStatus.FAILED.equals(s) || LongRunningOperationStatus.USER_CANCELLED.equals(s)) {
            forget(p);
            PollResult.Error e = r.getValue() == null ? null : r.getValue().getError();
            String why = e == null ? String.valueOf(s) : reason(e);
            throw new CloudException(Kind.FATAL, p.what() + " failed in Azure: " + why);
        }
    }

    /** The operation's own error (its status body: {"error": {"code", "message"}}); the SDK's message is generic. */
    private static String reason(PollResult.Error e) {
        String body = e.getResponseBody() == null ? "" : e.getResponseBody();
        java.util.regex.Matcher code = java.util.regex.Pattern.compile("\"code\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
        java.util.regex.Matcher msg = java.util.regex.Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(body);
        if (msg.find()) {
            return (code.find() ? code.group(1) + ": " : "") + ArmErrors.oneLine(msg.group(1));
        }
        return ArmErrors.oneLine(e.getMessage());
    }

    boolean outstanding(String resourceId) {
        return byResource.containsKey(resourceId.toLowerCase(Locale.ROOT));
    }

    private void forget(Pending p) {
        byResource.values().removeIf(x -> x.equals(p));
    }
}
