package io.bootmedic.remediation;

/** What a file that a rule's glob matched turned out to be. */
public enum Verdict {
    /** The faulty version: acted on. */
    FAULTY("faulty"),
    /** Right header, stamped at or after the fix: the good version, kept. */
    REVERTED_GOOD("reverted-good"),
    /** Wrong or missing header, e.g. the zero-filled files crashes leave behind: kept. */
    NOT_A_CHANNEL_FILE("not-a-channel-file"),
    /** Not a regular file (a folder or a reparse point with a matching name): never touched. */
    OUT_OF_SCOPE("out-of-scope"),
    /** A repair rule (registry, boot configuration, updates) whose target is not as the rule wants it: acted on. */
    NEEDS_REPAIR("needs-repair"),
    /** A repair rule whose target is already as the rule wants it, absent, or whose "when" does not hold: nothing to do. */
    NOT_NEEDED("not-needed");

    private final String wire;

    Verdict(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
