package io.bootmedic.cloud.sim;

import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fleet-performance model: the engine itself, unchanged, against a simulated cloud with one cloud's {@link Profile}
 * (latencies and API rate limits) and no faults but its throttling, for thousands of broken Windows VMs. Reports when
 * 95 % were repaired, with how many workers and devices, and how many calls the API answered and throttled.
 */
public final class Fleet {
    private Fleet() {
    }

    public record Result(String cloud, int vms, int workers, int devices, int concurrency, long t95Millis, long t100Millis, int repaired, long calls,
            long throttled, List<String> problems) {

        public String line() {
            return String.format(Locale.ROOT, "%-5s %6d VMs  %3d workers x %2d devices  region limit %4d:  95%% repaired at %s, all at %s (%d repaired);"
                    + " %d API calls, %d throttled%s", cloud, vms, workers, devices, concurrency, hours(t95Millis), hours(t100Millis), repaired, calls, throttled,
                    problems.isEmpty() ? "" : "  PROBLEMS: " + problems.size());
        }

        private static String hours(long ms) {
            return ms < 0 ? "never" : String.format(Locale.ROOT, "%.1f h", ms / 3_600_000.0);
        }
    }

    public static Profile profile(String cloud) {
        return switch (cloud) {
            case "aws" -> Profile.aws();
            case "azure" -> Profile.azure();
            case "gcp" -> Profile.gcp();
            case "test" -> Profile.test();
            default -> throw new IllegalArgumentException("no profile for '" + cloud + "': aws, azure, gcp or test");
        };
    }

    public static Result run(Profile profile, int vms, int workers, int devices, int concurrency, long seed) {
        SimClock clock = new SimClock();
        SimCloud cloud = new SimCloud(clock, seed, Faults.none(), profile);
        List<EngineConfig.Worker> ws = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            List<String> ds = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                ds.add("/dev/xvd" + (char) ('f' + d % 20) + (d / 20 == 0 ? "" : Integer.toString(d / 20)));
            }
            ws.add(new EngineConfig.Worker(cloud.addWorker("worker-" + w), ds));
        }
        for (int i = 0; i < vms; i++) {
            cloud.addVm(SimCloud.VmKind.BROKEN, String.format(Locale.ROOT, "%019d", 1_000_000_000L + i), "vm-" + i, "template-boot-disk");
        }
        Times times = new Times(vms);
        RunReport report = Engine.run(cloud, times, clock, EngineConfig.defaults(ws, concurrency), "f1ee7000");
        clock.sleepUntil(clock.now() + 3_600_000);
        long[] done = times.sorted();
        int repaired = (int) report.vms().stream().filter(v -> v.step() == Step.REPAIRED).count();
        int need95 = (int) Math.ceil(vms * 0.95);
        long t95 = repaired >= need95 ? done[need95 - 1] : -1;
        long t100 = repaired == vms ? done[vms - 1] : -1;
        List<String> problems = new ArrayList<>(cloud.verify(report));
        report.stuck().forEach((uid, why) -> problems.add(uid + " stuck in " + why));
        return new Result(profile.name(), vms, workers, devices, concurrency, t95, t100, repaired, cloud.calls(), cloud.throttled(), problems);
    }

    /** A journal that keeps only when each VM was recorded REPAIRED (a fleet's journal held in memory would be large). */
    private static final class Times implements JournalStore {
        private final long[] at;
        private int n;

        Times(int vms) {
            at = new long[vms];
        }

        @Override
        public String name() {
            return "(fleet times)";
        }

        @Override
        public byte[] readAll() {
            return new byte[0];
        }

        @Override
        public void append(byte[] line) {
            try {
                Map<String, Object> m = Json.readObject(line);
                Map<String, Object> vm = Json.object(m, "vm");
                if (vm != null && "REPAIRED".equals(vm.get("step"))) {
                    at[n++] = Json.number(m, "at", -1);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void truncate(long length) {
            throw new UnsupportedOperationException();
        }

        long[] sorted() {
            long[] out = Arrays.copyOf(at, n);
            Arrays.sort(out);
            return out;
        }
    }
}
