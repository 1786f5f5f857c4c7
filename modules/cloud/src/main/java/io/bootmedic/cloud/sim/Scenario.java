package io.bootmedic.cloud.sim;

import io.bootmedic.cloud.engine.EngineConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One seed's world: a simulated cloud with 2 to 10 VMs of every kind (many cloned from one template, so their boot disks
 * share a name), one or two workers with one to three devices each, a region limit, and a mix of faults. Same seed, same world.
 */
public record Scenario(long seed, SimClock clock, SimCloud cloud, EngineConfig config, String runId) {

    public static Scenario of(long seed) {
        return of(seed, 2 + new SplittableRandom(seed ^ 0x5DEECE66DL).nextInt(9), null);
    }

    /** {@code faults} null: drawn from the seed. */
    public static Scenario of(long seed, int vms, Faults faults) {
        SplittableRandom rng = new SplittableRandom(seed);
        Faults f = faults != null ? faults : Faults.random(rng);
        SimClock clock = new SimClock();
        SimCloud cloud = new SimCloud(clock, rng.nextLong(), f, Profile.test());
        List<EngineConfig.Worker> workers = new ArrayList<>();
        int nw = 1 + rng.nextInt(2);
        // some worlds have zones (a disk attaches only in its own; VMs in zone c have no worker there), some a two-call swap
        boolean zoned = rng.nextInt(3) == 0;
        cloud.twoCallSwap(rng.nextInt(2) == 0);
        for (int w = 0; w < nw; w++) {
            String zone = zoned ? "zone-" + (char) ('a' + w) : null;
            String id = cloud.addWorker("bm-worker-" + w, zone);
            List<String> devices = new ArrayList<>();
            int nd = 1 + rng.nextInt(3);
            for (int d = 0; d < nd; d++) {
                devices.add("/dev/sd" + (char) ('f' + d));
            }
            workers.add(new EngineConfig.Worker(id, devices, zone));
        }
        Set<String> uids = new HashSet<>();
        for (int i = 0; i < vms; i++) {
            int k = rng.nextInt(100);
            SimCloud.VmKind kind = k < 50 ? SimCloud.VmKind.BROKEN : k < 65 ? SimCloud.VmKind.CLEAN : k < 75 ? SimCloud.VmKind.LINUX
                    : k < 85 ? SimCloud.VmKind.GROUP : k < 93 ? SimCloud.VmKind.DUAL_PASS : SimCloud.VmKind.LOCAL_SSD;
            String uid;
            do {
                uid = String.format(Locale.ROOT, "%019d", rng.nextLong(1L, Long.MAX_VALUE)); // a GCP-style numeric ID
            } while (!uids.add(uid));
            // clones of one template: the same long boot-disk name (the first 36 characters of which the GCP script used)
            String disk = rng.nextInt(3) > 0 ? "windows-server-2022-datacenter-template-boot-disk" : "win-disk-" + i;
            cloud.addVm(kind, uid, "vm-" + i, disk, zoned ? "zone-" + (char) ('a' + rng.nextInt(3)) : null);
        }
        EngineConfig cfg = EngineConfig.defaults(workers, 1 + rng.nextInt(vms));
        String runId = String.format(Locale.ROOT, "%08x", rng.nextInt() & 0x7fffffff);
        return new Scenario(seed, clock, cloud, cfg, runId);
    }
}
