package io.bootmedic.registry.edit;

/** Windows FILETIME: 100 ns ticks since 1601-01-01 UTC. */
final class Filetime {
    private static final long EPOCH_DIFF_MS = 11_644_473_600_000L;

    private Filetime() {
    }

    static long now() {
        return (System.currentTimeMillis() + EPOCH_DIFF_MS) * 10_000L;
    }
}
