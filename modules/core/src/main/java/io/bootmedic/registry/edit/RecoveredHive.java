package io.bootmedic.registry.edit;

import java.util.List;

/**
 * A hive as Windows would load it after replaying its logs: the bytes (a private copy, in memory), the sequence
 * number its base block now carries, the highest sequence number found anywhere in its logs (a later write must go
 * above it), and one line per decision taken (which log was applied, skipped, or where the chain stopped).
 */
public record RecoveredHive(String name, byte[] bytes, long sequence, long highestLogSequence, List<Long> applied, List<String> decisions) {
    public RecoveredHive {
        bytes = bytes.clone();
        applied = List.copyOf(applied);
        decisions = List.copyOf(decisions);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** True when log entries were written over the primary's data. */
    public boolean replayed() {
        return !applied.isEmpty();
    }
}
