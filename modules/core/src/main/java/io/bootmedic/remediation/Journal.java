package io.bootmedic.remediation;

import java.util.List;

/**
 * The write-ahead record of one run on one volume, kept at {@code bootmedic/journal/<runId>.json}.
 *
 * @param state in-progress (written before the first change), committed (every change done and
 *              verified), undone, partially-undone
 */
public record Journal(String schema, String runId, String startedAt, String playbook, String state, String finishedBy,
                      List<JournalEntry> entries) {
    public static final String SCHEMA = "bootmedic.journal/v1";
    public static final String IN_PROGRESS = "in-progress";
    public static final String COMMITTED = "committed";
    public static final String UNDONE = "undone";
    public static final String PARTIALLY_UNDONE = "partially-undone";

    public Journal withState(String newState, String by) {
        return new Journal(schema, runId, startedAt, playbook, newState, by, entries);
    }

    public Journal withEntries(List<JournalEntry> newEntries) {
        return new Journal(schema, runId, startedAt, playbook, state, finishedBy, List.copyOf(newEntries));
    }
}
