package io.bootmedic.remediation;

/**
 * Called at the moments where a power cut would leave a run half done, so tests can cut a run
 * there in-process and prove that the next run completes or undoes it.
 */
@FunctionalInterface
public interface CrashPoint {
    CrashPoint NONE = point -> { };

    String AFTER_INTENT = "after-intent";
    String AFTER_MOVE = "after-move";
    String BEFORE_COMMIT = "before-commit";

    void reached(String point);
}
