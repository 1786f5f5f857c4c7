package io.bootmedic.cloud.sim;

import java.util.SplittableRandom;

/**
 * How unkind the simulated cloud is, as probabilities per call or per operation.
 *
 * @param throttle a call answered 429 / RequestLimitExceeded regardless of the buckets
 * @param failBefore a call answered 5xx before anything happened
 * @param failAfter a write answered 5xx after it was applied
 * @param staleRead a read inside a change's staleness window shows the state before the change
 * @param staleMaxMillis how long after a change a read may still show the state before it
 * @param snapshotError a snapshot ends in {@code error}
 * @param attachFail an attach silently ends with the disk still available
 * @param fixHang the fix's writer hangs: the command times out with the writer alive, which dies later
 * @param fixKilled the fix's writer is killed half-way (the copy is torn)
 * @param fixLate the command times out while the writer goes on and finishes later
 * @param cancelShellOnly a cancel kills only the shell, not the writer
 * @param scanUnknown the pre-check scan cannot tell
 */
public record Faults(double throttle, double failBefore, double failAfter, double staleRead, long staleMaxMillis, double snapshotError,
        double attachFail, double fixHang, double fixKilled, double fixLate, double cancelShellOnly, double scanUnknown) {

    public static Faults none() {
        return new Faults(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** A mix drawn from the seed: some runs calm, most with several kinds of trouble at once. */
    public static Faults random(SplittableRandom rng) {
        if (rng.nextInt(8) == 0) {
            return none();
        }
        return new Faults(p(rng, 0.15), p(rng, 0.08), p(rng, 0.08), p(rng, 0.6), rng.nextLong(60_000), p(rng, 0.3), p(rng, 0.2), p(rng, 0.2),
                p(rng, 0.2), p(rng, 0.2), p(rng, 0.5), p(rng, 0.3));
    }

    private static double p(SplittableRandom rng, double max) {
        return rng.nextInt(3) == 0 ? 0 : rng.nextDouble() * max;
    }
}
