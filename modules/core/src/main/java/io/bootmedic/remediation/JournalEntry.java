package io.bootmedic.remediation;

/**
 * One file of a run as the journal records it before it is touched: enough to find it again,
 * prove it is the same file, and put it back with its times.
 *
 * @param state planned, moved, verified, restored, skipped, failed
 */
public record JournalEntry(String rule, String path, String quarantinePath, String sha256, long size,
                           String created, String modified, String accessed, String state, String note) {

    public JournalEntry withState(String newState, String newNote) {
        return new JournalEntry(rule, path, quarantinePath, sha256, size, created, modified, accessed, newState, newNote);
    }
}
