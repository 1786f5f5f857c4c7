package io.bootmedic.remediation;

/**
 * One file of a run as the journal records it before it is touched: enough to find it again,
 * prove it is the same file, and put it back with its times.
 *
 * @param state planned, moved, verified, restored, skipped, failed
 * @param kind  {@code quarantine}: the file at {@code path} goes to {@code quarantinePath}; {@code install}: a file
 *              bootmedic prepared at {@code quarantinePath} (bootmedic/staged/...) goes to {@code path}, whose old
 *              file an earlier entry of the run quarantined (an edited registry hive). {@code sha256} is of the file
 *              that moves.
 */
public record JournalEntry(String rule, String path, String quarantinePath, String sha256, long size,
                           String created, String modified, String accessed, String state, String note, String kind) {
    public static final String QUARANTINE = "quarantine";
    public static final String INSTALL = "install";

    public JournalEntry(String rule, String path, String quarantinePath, String sha256, long size, String created, String modified, String accessed,
                        String state, String note) {
        this(rule, path, quarantinePath, sha256, size, created, modified, accessed, state, note, QUARANTINE);
    }

    public JournalEntry withState(String newState, String newNote) {
        return new JournalEntry(rule, path, quarantinePath, sha256, size, created, modified, accessed, newState, newNote, kind);
    }

    public boolean install() {
        return INSTALL.equals(kind);
    }
}
