package io.bootmedic.cloud.azure.arm;

/** An ARM error answer: status, error code, message (the body ARM sends: {"error": {"code", "message"}}). */
final class ArmError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    ArmError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}
