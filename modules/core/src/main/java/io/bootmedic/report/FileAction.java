package io.bootmedic.report;

/** What happened to one file, as the report's {@code action} says it. */
public enum FileAction {
    /** Moved into the quarantine folder on the same volume (checksum verified). */
    QUARANTINED("quarantined"),
    /** Overwritten with zeros in place, the original bytes kept on the host (a journal forbade metadata changes). */
    NEUTRALIZED("neutralized"),
    /** What a real run would do; a dry run or scan changes nothing. */
    WOULD_QUARANTINE("would-quarantine"),
    /** Matched the path but not the rest of the rule: left alone. */
    KEPT("kept"),
    FAILED("failed"),
    /** A repair rule applied (registry value written), its old state journalled. */
    REPAIRED("repaired"),
    /** What a real run would change; a dry run changes nothing. */
    WOULD_REPAIR("would-repair"),
    /** A repair this route cannot make (DISM needs Windows; the boot configuration is not written by this route yet): nothing done. */
    NOT_DONE_HERE("not-done-here");

    private final String wire;

    FileAction(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** The file no longer harms the machine. */
    public boolean madeHarmless() {
        return this == QUARANTINED || this == NEUTRALIZED || this == REPAIRED;
    }

    @Override
    public String toString() {
        return wire;
    }
}
