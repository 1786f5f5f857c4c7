package io.bootmedic.cloud.sim;

/**
 * What a cloud's operations take and how fast its API lets a client call it: latencies as ranges (drawn uniformly),
 * rate limits as token buckets per kind of call. The figures for AWS, Azure and GCP, and the documentation each comes
 * from, are in docs/mass-remediation.md "The engine"; where no figure is documented the range is an assumption, said there.
 */
public record Profile(String name, int maxNameLength, Range stop, Range start, Range snapshot, Range createDisk, Range attach, Range detach,
        Range swap, Range dispatch, Range fix, long commandTimeoutMillis, Bucket describe, Bucket mutate, Bucket command) {

    /** Milliseconds, from {@code min} to {@code max}. */
    public record Range(long min, long max) {
        long draw(java.util.SplittableRandom rng) {
            return max <= min ? min : min + rng.nextLong(max - min + 1);
        }
    }

    /** A token bucket: {@code capacity} calls at once, {@code perSecond} more each second. */
    public record Bucket(double capacity, double perSecond) {
    }

    private static Range s(double min, double max) {
        return new Range((long) (min * 1000), (long) (max * 1000));
    }

    /** The property test's cloud: quick, with small buckets so throttling happens. */
    public static Profile test() {
        return new Profile("test", 63, s(5, 90), s(5, 90), s(10, 600), s(5, 120), s(1, 40), s(1, 40), s(1, 30), s(1, 20), s(20, 300), 1_800_000,
                new Bucket(20, 5), new Bucket(10, 2), new Bucket(10, 2));
    }

    /**
     * AWS: EC2 API request token buckets (EC2 Developer Guide, "Request throttling for the Amazon EC2 API"): describe
     * actions 100 tokens refilled at 20/s, mutating actions 50 at 5/s; SSM SendCommand/GetCommandInvocation as another
     * bucket (assumed at the mutating rate). Latencies: assumptions (AWS documents no figure; snapshot time "cannot be predicted").
     */
    public static Profile aws() {
        return new Profile("aws", 255, s(30, 120), s(30, 90), s(120, 900), s(10, 60), s(5, 30), s(5, 30), s(5, 20), s(1, 10), s(20, 60), 3_600_000,
                new Bucket(100, 20), new Bucket(50, 5), new Bucket(50, 5));
    }

    /**
     * Azure: Resource Manager's regional token buckets per subscription (reads 250 at 25/s, writes 200 at 10/s); run
     * commands through the same writes and reads. Latencies: assumptions (Microsoft publishes none for these operations).
     */
    public static Profile azure() {
        return new Profile("azure", 80, s(60, 180), s(60, 180), s(60, 300), s(30, 120), s(30, 60), s(30, 60), s(30, 60), s(30, 60), s(30, 90),
                5_400_000, new Bucket(250, 25), new Bucket(200, 10), new Bucket(200, 10));
    }

    /**
     * GCP: Compute Engine rate quotas are per project per minute per group (docs "Compute Engine rate quotas"); modelled as
     * buckets of one minute's quota refilled evenly: reads 1,500/min, writes 1,500/min as assumed defaults (check the
     * project's quota page: the defaults differ per project). Latencies: assumptions.
     */
    public static Profile gcp() {
        return new Profile("gcp", 63, s(30, 120), s(30, 90), s(60, 600), s(20, 90), s(5, 30), s(5, 30), s(5, 30), s(5, 15), s(20, 60), 3_600_000,
                new Bucket(1500, 25), new Bucket(1500, 25), new Bucket(1500, 25));
    }
}
