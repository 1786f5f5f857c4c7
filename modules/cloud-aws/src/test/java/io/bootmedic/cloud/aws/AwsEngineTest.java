package io.bootmedic.cloud.aws;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.route.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine through the AWS SDK against the local EC2/SSM/Auto Scaling emulator: every request is the SDK's own
 * serialization, every answer its own parsing. After each run the emulator's violations (an original written or
 * deleted, a copy detached while a command wrote to it, a start without a root) must be empty.
 */
class AwsEngineTest {
    static final String RUN = "abcd1234";

    @TempDir
    Path dir;

    AwsEndpoint aws;

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "secret");
        System.setProperty("bootmedic.aws.releasePollMillis", "5");
    }

    @BeforeEach
    void start() throws Exception {
        aws = new AwsEndpoint();
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    Ec2Cloud.Instance windows(String id) {
        Ec2Cloud.Instance i = aws.ec2.addInstance(id, "windows");
        i.tags.put("Name", "web-" + id.substring(id.length() - 2));
        Ec2Cloud.Volume root = aws.ec2.addVolume("vol-0" + id.substring(4));
        aws.ec2.attachNow(root, i, i.rootDevice, true);
        return i;
    }

    AwsOptions options(String... ids) {
        AwsOptions o = new AwsOptions();
        o.region = "eu-west-1";
        o.endpoint = URI.create(aws.url());
        o.workers = List.of(AwsEndpoint.WORKER);
        o.instanceIds = List.of(ids);
        o.scan = "status-checks";
        o.executionTimeout = 3600;
        return o;
    }

    static EngineConfig fast(Connection c) {
        return new EngineConfig(c.workers(), 4, 2, 400, 20, 60_000, 20_000, 20_000, 5, 10, 3, 2, 40, 4);
    }

    RunReport run(AwsOptions o, JournalStore store) throws Exception {
        try (Connection c = new AwsRoute().connect(o)) {
            return Engine.run(c.provider(), store, Clock.SYSTEM, fast(c), RUN, c.target());
        }
    }

    RunReport resume(AwsOptions o, JournalStore store) throws Exception {
        try (Connection c = new AwsRoute().connect(o)) {
            return Engine.resume(c.provider(), store, Clock.SYSTEM, fast(c));
        }
    }

    static VmRecord vm(RunReport r, String id) {
        return r.vms().stream().filter(v -> v.vmId().equals(id)).findFirst().orElseThrow();
    }

    Ec2Cloud.Volume rootOf(String id) {
        return aws.ec2.rootOf(aws.ec2.instance(id));
    }

    void noViolations() {
        assertEquals(List.of(), aws.ec2.violations, "what real EC2 or a real worker would have made go wrong");
    }

    @Test
    void aBootLoopingInstanceRunsAgainOnARepairedCopyAndItsOriginalIsKeptUntouched() throws Exception {
        windows("i-0aaaaaaaaaaaaaa01");
        Ec2Cloud.Volume original = rootOf("i-0aaaaaaaaaaaaaa01");
        RunReport r = run(options("i-0aaaaaaaaaaaaaa01"), new FileJournalStore(dir.resolve("j")));
        assertEquals(Step.REPAIRED, vm(r, "i-0aaaaaaaaaaaaaa01").step(), r.toString());
        Ec2Cloud.Volume root = rootOf("i-0aaaaaaaaaaaaaa01");
        assertNotEquals(original.id, root.id);
        assertEquals("fixed", root.content);
        assertEquals("broken", original.content);
        assertEquals(0, original.writes);
        assertEquals("available", original.state, "the original stays, detached");
        assertEquals("running", aws.ec2.instance("i-0aaaaaaaaaaaaaa01").state);
        assertEquals(RUN, root.tags.get("bootmedic-run"), "the copy carries the run's tags");
        assertEquals("bm-" + RUN + "-i-0aaaaaaaaaaaaaa01-copy1", root.tags.get("Name"));
        assertEquals(original.type, root.type);
        assertEquals(original.iops, root.iops);
        assertTrue(root.attachment.deleteOnTermination, "the copy as root keeps the original root's DeleteOnTermination");
        noViolations();
    }

    @Test
    void aLinuxInstanceAndAReachableOneAreNeverStopped() throws Exception {
        Ec2Cloud.Instance linux = aws.ec2.addInstance("i-0bbbbbbbbbbbbbb01", null);
        aws.ec2.attachNow(aws.ec2.addVolume("vol-0bbbbbbbbbbbbb01"), linux, linux.rootDevice, true);
        Ec2Cloud.Instance fine = windows("i-0bbbbbbbbbbbbbb02");
        fine.reachability = "ok";
        RunReport r = run(options("i-0bbbbbbbbbbbbbb01", "i-0bbbbbbbbbbbbbb02"), new FileJournalStore(dir.resolve("j")));
        assertEquals(Step.SKIPPED, vm(r, "i-0bbbbbbbbbbbbbb01").step());
        assertTrue(vm(r, "i-0bbbbbbbbbbbbbb01").reason().contains("not Windows"), vm(r, "i-0bbbbbbbbbbbbbb01").reason());
        assertEquals(Step.SKIPPED, vm(r, "i-0bbbbbbbbbbbbbb02").step());
        assertTrue(vm(r, "i-0bbbbbbbbbbbbbb02").reason().contains("clean"), vm(r, "i-0bbbbbbbbbbbbbb02").reason());
        assertTrue(aws.ec2.log.stream().noneMatch(l -> l.startsWith("StopInstances")), aws.ec2.log.toString());
        noViolations();
    }

    @Test
    void groupMembersMarketplaceAndSpotInstancesAreLeftAsTheyAre() throws Exception {
        windows("i-0ccccccccccccc001");
        aws.asg.members.put("i-0ccccccccccccc001", new AutoScaling.Member("web-asg"));
        windows("i-0ccccccccccccc002").marketplaceCodes.add("prodcode123");
        windows("i-0ccccccccccccc003").lifecycle = "spot";
        windows("i-0ccccccccccccc004").type = "m5d.large";
        RunReport r = run(options("i-0ccccccccccccc001", "i-0ccccccccccccc002", "i-0ccccccccccccc003", "i-0ccccccccccccc004"),
                new FileJournalStore(dir.resolve("j")));
        assertTrue(vm(r, "i-0ccccccccccccc001").reason().contains("auto scaling group"), vm(r, "i-0ccccccccccccc001").reason());
        assertTrue(vm(r, "i-0ccccccccccccc002").reason().contains("Marketplace"), vm(r, "i-0ccccccccccccc002").reason());
        assertTrue(vm(r, "i-0ccccccccccccc003").reason().contains("Spot"), vm(r, "i-0ccccccccccccc003").reason());
        assertTrue(vm(r, "i-0ccccccccccccc004").reason().contains("Local SSD"), vm(r, "i-0ccccccccccccc004").reason());
        r.vms().forEach(v -> assertEquals(Step.SKIPPED, v.step()));
        assertTrue(aws.ec2.log.stream().noneMatch(l -> l.startsWith("StopInstances")), aws.ec2.log.toString());
        noViolations();
    }

    @Test
    void aFixThatChangesNothingIsNeverSwappedAndTheInstanceRunsOnItsOriginal() throws Exception {
        windows("i-0ddddddddddddd001");
        Ec2Cloud.Volume original = rootOf("i-0ddddddddddddd001");
        aws.ssm.stdout = "BOOTMEDIC_DEVICE=/dev/nvme1n1\nNOTHING TO FIX: no faulty file on 1 Windows volume(s).\nBOOTMEDIC_EXIT=0\n";
        RunReport r = run(options("i-0ddddddddddddd001"), new FileJournalStore(dir.resolve("j")));
        assertEquals(Step.CLEAN, vm(r, "i-0ddddddddddddd001").step(), r.toString());
        assertEquals(original.id, rootOf("i-0ddddddddddddd001").id);
        assertEquals("running", aws.ec2.instance("i-0ddddddddddddd001").state);
        noViolations();
    }

    @Test
    void aFailedFixRollsBackAndAHangingOneIsNeverDetachedWhileItWrites() throws Exception {
        windows("i-0eeeeeeeeeeeee001");
        Ec2Cloud.Volume original = rootOf("i-0eeeeeeeeeeeee001");
        aws.ssm.hang = true;
        aws.ssm.busyAfterCancel = false;
        AwsOptions o = options("i-0eeeeeeeeeeeee001");
        RunReport r;
        try (Connection c = new AwsRoute().connect(o)) {
            EngineConfig cfg = new EngineConfig(c.workers(), 4, 2, 400, 20, 60_000, 300, 20_000, 5, 10, 3, 2, 40);
            r = Engine.run(c.provider(), new FileJournalStore(dir.resolve("j")), Clock.SYSTEM, cfg, RUN, c.target());
        }
        assertEquals(Step.ROLLED_BACK, vm(r, "i-0eeeeeeeeeeeee001").step(), r.toString());
        assertEquals(original.id, rootOf("i-0eeeeeeeeeeeee001").id);
        assertEquals("running", aws.ec2.instance("i-0eeeeeeeeeeeee001").state);
        assertTrue(aws.ssm.log.stream().anyMatch(l -> l.startsWith("cancel")), aws.ssm.log.toString());
        noViolations();
    }

    @Test
    void manyInstancesAtOnceShareTheWorkersDevicesOneCopyEach() throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (int n = 1; n <= 6; n++) {
            ids.add("i-0aaaaaaaaaaaaa50" + n);
            windows(ids.get(n - 1));
        }
        AwsOptions o = options(ids.toArray(String[]::new));
        o.devices = List.of("/dev/sdf", "/dev/sdg");
        RunReport r;
        try (Connection c = new AwsRoute().connect(o)) {
            r = Engine.run(c.provider(), new FileJournalStore(dir.resolve("j")), Clock.SYSTEM, fast(c).withLanes(8), RUN, c.target());
        }
        for (String id : ids) {
            assertEquals(Step.REPAIRED, vm(r, id).step(), r.toString());
            assertEquals("fixed", rootOf(id).content);
        }
        // the emulator counts a violation when a device name already in use is attached again, and when a copy is detached while written
        assertTrue(aws.ec2.log.stream().anyMatch(l -> l.contains("/dev/sdg")), "both devices lent");
        noViolations();
    }

    @Test
    void snapshotsThatEndInErrorAreTriedUnderNewNamesThenTheInstanceIsPutBack() throws Exception {
        windows("i-0aaaaaaaaaaaaa601");
        Ec2Cloud.Volume original = rootOf("i-0aaaaaaaaaaaaa601");
        original.tags.put("test-snapshot-fails", "yes");
        RunReport r = run(options("i-0aaaaaaaaaaaaa601"), new FileJournalStore(dir.resolve("j")));
        assertEquals(Step.ROLLED_BACK, vm(r, "i-0aaaaaaaaaaaaa601").step(), r.toString());
        assertEquals(List.of("bm-" + RUN + "-i-0aaaaaaaaaaaaa601-snap1", "bm-" + RUN + "-i-0aaaaaaaaaaaaa601-snap2", "bm-" + RUN + "-i-0aaaaaaaaaaaaa601-snap3"),
                aws.ec2.snapshots.values().stream().map(s -> s.tags.get("Name")).toList());
        assertEquals(original.id, rootOf("i-0aaaaaaaaaaaaa601").id);
        assertEquals("running", aws.ec2.instance("i-0aaaaaaaaaaaaa601").state);
        assertTrue(aws.ec2.log.stream().noneMatch(l -> l.startsWith("CreateVolume")), "no copy from a failed snapshot");
        noViolations();
    }

    @Test
    void throttlingIsWaitedOut() throws Exception {
        windows("i-0fffffffffffff001");
        aws.throttleEvery = 6;
        RunReport r;
        try (Connection c = new AwsRoute().connect(options("i-0fffffffffffff001"))) {
            // the SDK's own retries of a throttled call take seconds: the grace for a fresh command must outlast them (300 s in a real run)
            EngineConfig cfg = new EngineConfig(c.workers(), 4, 2, 10_000, 20, 60_000, 20_000, 20_000, 5, 10, 3, 2, 40);
            r = Engine.run(c.provider(), new FileJournalStore(dir.resolve("j")), Clock.SYSTEM, cfg, RUN, c.target());
        }
        assertEquals(Step.REPAIRED, vm(r, "i-0fffffffffffff001").step(), r.toString());
        assertTrue(aws.calls.stream().filter("throttled"::equals).count() > 5, "throttled " + aws.calls.stream().filter("throttled"::equals).count());
        noViolations();
    }

    @Test
    void aRunKilledAtEveryJournalWriteIsFinishedByResume() throws Exception {
        int writes = 0;
        for (int killAt = 1;; killAt++) {
            aws.close();
            aws = new AwsEndpoint();
            windows("i-0aaaaaaaaaaaaa101");
            Ec2Cloud.Volume original = rootOf("i-0aaaaaaaaaaaaa101");
            Path journal = dir.resolve("kill-" + killAt);
            Dying dying = new Dying(new FileJournalStore(journal), killAt);
            boolean died = false;
            try {
                run(options("i-0aaaaaaaaaaaaa101"), dying);
            } catch (Dying.Died e) {
                died = true;
            }
            if (!died) {
                writes = killAt - 1;
                break;
            }
            if (killAt == 1) {
                // died before the run was recorded: nothing in the cloud may have changed, and a new run starts over
                assertTrue(aws.ec2.snapshots.isEmpty() && aws.ec2.log.stream().noneMatch(l -> l.startsWith("StopInstances")), aws.ec2.log.toString());
                continue;
            }
            RunReport r = resume(options("i-0aaaaaaaaaaaaa101"), new FileJournalStore(journal));
            assertEquals(Step.REPAIRED, vm(r, "i-0aaaaaaaaaaaaa101").step(), "killed at write " + killAt + ": " + r);
            assertEquals("fixed", rootOf("i-0aaaaaaaaaaaaa101").content, "killed at write " + killAt);
            assertEquals(0, original.writes);
            assertEquals(1, aws.ssm.commands.values().stream().filter(c -> !c.deviceCheck).count(), "killed at write " + killAt + ": one writer, ever");
            assertEquals(1, aws.ec2.snapshots.size(), "killed at write " + killAt + ": the snapshot was found again, not made twice");
            noViolations();
        }
        assertTrue(writes >= 10, "a run writes the journal " + writes + " times");
    }

    @Test
    void rollbackPutsARepairedInstanceBackOnItsOriginal() throws Exception {
        windows("i-0aaaaaaaaaaaaa201");
        Ec2Cloud.Volume original = rootOf("i-0aaaaaaaaaaaaa201");
        Path journal = dir.resolve("j");
        run(options("i-0aaaaaaaaaaaaa201"), new FileJournalStore(journal));
        RunReport r;
        try (Connection c = new AwsRoute().connect(options("i-0aaaaaaaaaaaaa201"))) {
            r = Engine.rollback(c.provider(), new FileJournalStore(journal), Clock.SYSTEM, fast(c), Set.of());
        }
        assertEquals(Step.ROLLED_BACK, vm(r, "i-0aaaaaaaaaaaaa201").step(), r.toString());
        assertEquals(original.id, rootOf("i-0aaaaaaaaaaaaa201").id);
        assertTrue(original.attachment.deleteOnTermination, "the original back as root with its DeleteOnTermination");
        assertEquals("running", aws.ec2.instance("i-0aaaaaaaaaaaaa201").state);
        assertFalse(aws.ec2.violations.stream().anyMatch(v -> v.contains("original")), aws.ec2.violations.toString());
    }

    /** A journal store whose process dies (throws) at its K-th append, after the line is durable or before: both are crashes. */
    static final class Dying implements JournalStore {
        static final class Died extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }

        private final JournalStore inner;
        private final int killAt;
        private int appends;

        Dying(JournalStore inner, int killAt) {
            this.inner = inner;
            this.killAt = killAt;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public byte[] readAll() {
            return inner.readAll();
        }

        @Override
        public void truncate(long length) {
            inner.truncate(length);
        }

        @Override
        public void append(byte[] line) {
            if (++appends == killAt) {
                if (killAt % 2 == 0) {
                    inner.append(line); // died just after the line was made durable, before the step was taken
                }
                throw new Died();
            }
            inner.append(line);
        }
    }
}
