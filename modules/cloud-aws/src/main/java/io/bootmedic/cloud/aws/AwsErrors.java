package io.bootmedic.cloud.aws;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Set;
import java.util.function.Supplier;

/** One AWS call, its failure classified for the engine (the SDK's own retry policy has already run). */
final class AwsErrors {
    private static final Set<String> THROTTLED = Set.of("RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException",
            "RequestThrottled", "RequestThrottledException", "SlowDown");
    // the state does not allow the call now: what it asks for may be under way or done (the engine reads and decides)
    private static final Set<String> CONFLICT = Set.of("IncorrectState", "IncorrectInstanceState", "VolumeInUse", "InvalidVolume.ZoneMismatch",
            "InvalidAttachment.NotFound", "InvalidCommandId", "InvalidInstanceId");

    // who we are was not accepted: never retried, exit 3
    private static final Set<String> LOGIN = Set.of("AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
            "ExpiredTokenException", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken");

    private AwsErrors() {
    }

    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw classify(what, e);
        }
    }

    static void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    static CloudException classify(String what, SdkException e) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode() : null;
            if (code != null && LOGIN.contains(code) || s.statusCode() == 401) {
                throw new io.bootmedic.cloud.provider.CloudLoginException(what + ": " + (code != null ? code : "HTTP 401") + " (the credentials were refused)");
            }
            String msg = what + ": " + (code != null ? code + ": " : "") + (s.awsErrorDetails() != null ? s.awsErrorDetails().errorMessage() : s.getMessage());
            if (s.isThrottlingException() || (code != null && THROTTLED.contains(code)) || s.statusCode() == 429) {
                return new CloudException(Kind.THROTTLED, msg);
            }
            if (code != null && (code.endsWith(".NotFound") || code.equals("InvocationDoesNotExist"))) {
                return new CloudException(Kind.NOT_FOUND, msg);
            }
            if (code != null && (CONFLICT.contains(code) || code.equals("InvalidParameterValue") && msg.contains("already in use"))) {
                return new CloudException(Kind.CONFLICT, msg);
            }
            if (s.statusCode() >= 500 || "InternalError".equals(code) || "Unavailable".equals(code) || "ServiceUnavailable".equals(code)) {
                return new CloudException(Kind.TRANSIENT, msg);
            }
            return new CloudException(Kind.FATAL, msg);
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).contains("Unable to load credentials")) {
            throw new io.bootmedic.cloud.provider.CloudLoginException("no AWS credentials found (environment, ~/.aws, SSO, instance role)");
        }
        if (e instanceof SdkClientException) {
            // no answer (connection refused or dropped, timeout): a write may or may not have been applied
            return new CloudException(Kind.TRANSIENT, what + ": " + e.getMessage());
        }
        return new CloudException(Kind.FATAL, what + ": " + e.getMessage());
    }
}
