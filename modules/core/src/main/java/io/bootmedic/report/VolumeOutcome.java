package io.bootmedic.report;

/** One volume's result in the report. */
public enum VolumeOutcome {
    FIXED("fixed"),
    CLEAN("clean"),
    /** A dry run found a faulty file, or an interrupted run waits to be completed. */
    NEEDS_FIX("needs-fix"),
    /** BitLocker stayed locked: no key was found. */
    LOCKED("locked"),
    FAILED("failed");

    private final String wire;

    VolumeOutcome(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
