package io.bootmedic.massremediation.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * scripts/aws/remediate.sh with the real aws CLI against the EC2/SSM/STS/Auto Scaling emulator:
 * every test checks the emulated cloud afterwards (which volume is root, what the original
 * looks like, snapshots, tags, the record) and that nothing EC2 or the worker would punish
 * happened (a detach while a command still runs, a start on an unattached root, ...).
 */
class AwsRouteTest {
    static final String ID = "i-0abc0000000000001";
    static final String ORIG = "vol-0aaa000000000orig";
    static final String KMS = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    @TempDir
    Path tmp;
    AwsEndpoint aws;
    RouteRun route;
    Ec2Cloud.Instance instance;
    Ec2Cloud.Volume original;
    long started;

    @BeforeAll
    static void realCli() {
        assumeTrue(Files.isExecutable(RouteRun.AWS), "the real aws CLI (Debian awscli, bash scripts/setup-debian.sh) is needed");
    }

    @BeforeEach
    void cloud() throws Exception {
        aws = new AwsEndpoint();
        route = new RouteRun(tmp, aws);
        // transitions finish at the first look unless a test wants to see the intermediate state
        aws.ec2.stopPolls = aws.ec2.attachPolls = aws.ec2.detachPolls = aws.ec2.snapshotPolls = 1;
        aws.ssm.runPolls = 2;
        aws.ssm.cancelPolls = 1;
        instance = aws.ec2.addInstance(ID, "windows");
        original = windowsRoot(instance, ORIG);
        started = System.nanoTime();
    }

    Ec2Cloud.Volume windowsRoot(Ec2Cloud.Instance i, String volumeId) {
        Ec2Cloud.Volume v = aws.ec2.addVolume(volumeId);
        v.type = "gp3";
        v.size = 50;
        v.iops = 4000;
        v.throughput = 250;
        v.encrypted = true;
        v.kmsKeyId = KMS;
        aws.ec2.attachNow(v, i, "/dev/sda1", true);
        return v;
    }

    @AfterEach
    void stop(TestInfo test) {
        java.util.Map<String, Long> byCall = new java.util.TreeMap<>();
        aws.calls.forEach(c -> byCall.merge(c.substring(c.indexOf(' ') + 1), 1L, Long::sum));
        System.out.printf("%s: %d aws calls, %.1f s %s%n", test.getDisplayName(), aws.calls.size(), (System.nanoTime() - started) / 1e9, byCall);
        aws.close();
    }

    RouteRun.Result fix(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("fix", "--instance-id", ID, "--worker", AwsEndpoint.WORKER));
        args.addAll(List.of(extra));
        return route.run(args.toArray(String[]::new));
    }

    void assertNoViolations() {
        assertEquals(List.of(), aws.ec2.violations, "EC2 log:\n" + String.join("\n", aws.ec2.log));
    }

    static void assertNeverWritten(Ec2Cloud.Volume v) {
        assertEquals("broken", v.content, v.id);
        assertEquals(0, v.writes, "bootmedic wrote to the original volume " + v.id);
    }

    static boolean running(Ec2Cloud.Instance i) {
        return i.state.equals("running") || i.state.equals("pending");
    }

    String lastRecord(String instanceId) throws Exception {
        return Files.readAllLines(route.record()).stream().filter(l -> l.split("\t")[1].equals(instanceId)).reduce((a, b) -> b).orElse("");
    }

    /** The state a first run leaves: the repaired copy is root, the original detached and tagged. */
    Ec2Cloud.Volume seedRemediated() {
        Ec2Cloud.Snapshot snap = new Ec2Cloud.Snapshot("snap-0aaa00000000first", original);
        snap.state = "completed";
        aws.ec2.snapshots.put(snap.id, snap);
        original.attachment = null;
        original.state = "available";
        original.tags.putAll(java.util.Map.of("bootmedic-role", "original", "bootmedic-original-of", ID, "bootmedic-delete-on-termination", "true"));
        Ec2Cloud.Volume copy = windowsRoot(instance, "vol-0bbb00000000copy1");
        copy.content = "fixed";
        copy.snapshotId = snap.id;
        copy.attachment.deleteOnTermination = true;
        instance.tags.putAll(java.util.Map.of("bootmedic-original-root", ORIG, "bootmedic-original-snapshot", snap.id,
                "bootmedic-remediated", "2026-12-01T20:00:00Z"));
        return copy;
    }

    @Test
    void snapshotsEveryTargetFirstThenRepairsACopyAndKeepsTheOriginalDetachedAndTagged() throws Exception {
        aws.ec2.stopPolls = aws.ec2.attachPolls = aws.ec2.snapshotPolls = 2; // 'in-use' while still 'attaching'
        aws.ssm.runPolls = 3;
        aws.asg.members.put(ID, new AutoScaling.Member("web-asg"));
        // more output than SSM keeps: the exit line is cut off, the result must come from ResponseCode
        aws.ssm.stdout = "x".repeat(30_000) + "\nBOOTMEDIC_EXIT=0\n";
        // a second instance whose snapshot ends in 'error'
        Ec2Cloud.Instance other = aws.ec2.addInstance("i-0abc0000000000002", "windows");
        Ec2Cloud.Volume otherRoot = windowsRoot(other, "vol-0ccc00000000other");
        otherRoot.tags.put("test-snapshot-fails", "yes");

        RouteRun.Result r = fix("--instance-id", other.id, "--asg-standby", "--config", "/etc/bootmedic/agent.conf");

        assertEquals(1, r.exit(), r.toString());
        assertNoViolations();
        // every snapshot was taken before any copy was made
        List<String> log = aws.ec2.log;
        int lastSnapshot = -1;
        int firstCopy = Integer.MAX_VALUE;
        for (int n = 0; n < log.size(); n++) {
            if (log.get(n).startsWith("CreateSnapshot")) {
                lastSnapshot = n;
            }
            if (log.get(n).startsWith("CreateVolume")) {
                firstCopy = Math.min(firstCopy, n);
            }
        }
        assertTrue(lastSnapshot >= 0 && lastSnapshot < firstCopy, String.join("\n", log));
        // the snapshot in 'error': that instance failed with its own root, nothing made from it
        assertEquals(otherRoot, aws.ec2.rootOf(other));
        assertNeverWritten(otherRoot);
        assertEquals("stopped", other.state);
        assertEquals(1, log.stream().filter(l -> l.startsWith("CreateVolume")).count(), String.join("\n", log));
        assertTrue(r.out().contains("FAILED " + other.id + " at step 'wait-snapshot'"), r.out());
        assertTrue(r.all().contains("is 'error'"), r.all());
        assertTrue(lastRecord(other.id).contains("\tfailed\twait-snapshot\t"), lastRecord(other.id));

        Ec2Cloud.Volume root = aws.ec2.rootOf(instance);
        assertNotNull(root, "the instance has no root volume");
        assertNotEquals(ORIG, root.id, "the original is still root: nothing was swapped");
        assertEquals("fixed", root.content);
        assertTrue(running(instance), instance.state);
        // the copy: from a completed snapshot of the original, with its type, size, iops, throughput, KMS key
        Ec2Cloud.Snapshot snap = aws.ec2.snapshots.get(root.snapshotId);
        assertEquals(ORIG, snap.from.id);
        assertEquals("completed", snap.state);
        assertEquals(ID, snap.tags.get("bootmedic-instance"));
        assertEquals(List.of("gp3", 50, 4000, 250, true, KMS), List.of(root.type, root.size, root.iops, root.throughput, root.encrypted, root.kmsKeyId));
        assertTrue(root.attachment.deleteOnTermination, "DeleteOnTermination was not restored on the new root");
        // the original: detached, unwritten, tagged; the instance remembers it
        assertNull(original.attachment);
        assertEquals("available", original.state);
        assertNeverWritten(original);
        assertEquals("original", original.tags.get("bootmedic-role"));
        assertEquals(ID, original.tags.get("bootmedic-original-of"));
        assertEquals(ORIG, instance.tags.get("bootmedic-original-root"));
        // the worker ran bootmedic on the copy, with the size cross-check and the collector config
        assertEquals(List.of("fix " + root.id), aws.ssm.log);
        SsmWorker.Command cmd = aws.ssm.commands.values().iterator().next();
        assertEquals("set -- --ebs-volume " + root.id + " --ebs-device /dev/sdf --expect-size 53687091200 --config /etc/bootmedic/agent.conf", cmd.workerArgs);
        assertEquals("3600", cmd.executionTimeout);
        assertEquals(600, cmd.deliveryTimeout);
        // Auto Scaling: standby before the stop, back after the start
        assertEquals(List.of("EnterStandby " + ID + " decrement", "ExitStandby " + ID), aws.asg.log);
        assertTrue(r.out().contains("FIXED " + ID), r.out());
        assertTrue(lastRecord(ID).contains(ID + "\tfixed\tstart\t" + ORIG + "\t/dev/sda1\t" + snap.id + "\t" + root.id), lastRecord(ID));
    }

    @Test
    void aCommandStillRunningAtTheDeadlineIsCancelledAndTheCopyDetachedOnlyWhenTheWorkerIsFree() throws Exception {
        aws.ssm.hang = true;
        instance.stuckStopping = true; // the stop hangs: force-stop after the stop deadline
        route.env.put("BOOTMEDIC_AWS_STOP_TIMEOUT", "1");
        route.env.put("BOOTMEDIC_AWS_EXECUTION_TIMEOUT", "1");
        route.env.put("BOOTMEDIC_AWS_DELIVERY_TIMEOUT", "0");
        route.env.put("BOOTMEDIC_AWS_COMMAND_GRACE", "1");

        RouteRun.Result r = fix();

        assertEquals(1, r.exit(), r.toString());
        assertNoViolations(); // no detach while Pending/InProgress/Cancelling
        assertTrue(aws.ec2.log.contains("StopInstances " + ID + " --force"), String.join("\n", aws.ec2.log));
        SsmWorker.Command fixCmd = aws.ssm.commands.values().iterator().next();
        assertEquals("Cancelled", fixCmd.status);
        Ec2Cloud.Volume copy = aws.ec2.volumes.get(fixCmd.volume);
        assertEquals(List.of("fix " + copy.id, "cancel " + copy.id, "check " + copy.id), aws.ssm.log);
        assertNull(copy.attachment, "the copy is still attached to the worker");
        assertEquals(original, aws.ec2.rootOf(instance));
        assertNeverWritten(original);
        assertEquals("stopped", instance.state);
        assertTrue(r.out().contains("FAILED " + ID + " at step 'bootmedic'"), r.out());
        assertTrue(r.out().contains("still has its original root volume " + ORIG), r.out());
        assertTrue(lastRecord(ID).contains("\tfailed\tbootmedic\t"), lastRecord(ID));
    }

    @Test
    void whenTheWorkerStillHoldsTheDeviceAfterTheCancelTheCopyStaysAttached() throws Exception {
        aws.ssm.hang = true;
        aws.ssm.busyAfterCancel = true; // e.g. a bootmedic process the agent did not kill
        route.env.put("BOOTMEDIC_AWS_EXECUTION_TIMEOUT", "1");
        route.env.put("BOOTMEDIC_AWS_DELIVERY_TIMEOUT", "0");
        route.env.put("BOOTMEDIC_AWS_COMMAND_GRACE", "1");

        RouteRun.Result r = fix();

        assertEquals(1, r.exit(), r.toString());
        assertNoViolations();
        SsmWorker.Command fixCmd = aws.ssm.commands.values().iterator().next();
        Ec2Cloud.Volume copy = aws.ec2.volumes.get(fixCmd.volume);
        assertEquals(List.of("fix " + copy.id, "cancel " + copy.id, "check " + copy.id), aws.ssm.log);
        assertEquals(AwsEndpoint.WORKER, copy.attachment.instance, "the copy was detached while the worker held it");
        assertEquals(original, aws.ec2.rootOf(instance));
        assertNeverWritten(original);
        assertTrue(r.out().contains("STILL ATTACHED to the worker"), r.out());
        assertTrue(lastRecord(ID).contains("\tfailed\tbootmedic\t"), lastRecord(ID));
    }

    @Test
    void aRemediatedInstanceIsSkippedAndRollbackPutsTheOriginalVolumeBack() throws Exception {
        Ec2Cloud.Volume copy = seedRemediated();

        RouteRun.Result again = fix();

        assertEquals(0, again.exit(), again.toString());
        assertEquals(List.of(), aws.ec2.log, "a second run changed something");
        assertTrue(again.all().contains("already remediated"), again.all());

        RouteRun.Result r = route.run("rollback", "--instance-id", ID);

        assertEquals(0, r.exit(), r.toString());
        assertNoViolations();
        assertEquals(original, aws.ec2.rootOf(instance), "rollback did not put the original back");
        assertTrue(original.attachment.deleteOnTermination);
        assertTrue(running(instance), instance.state);
        assertNull(copy.attachment);
        assertEquals("rolled-back-copy", copy.tags.get("bootmedic-role"));
        assertFalse(instance.tags.containsKey("bootmedic-original-root"));
        assertTrue(aws.ec2.log.stream().noneMatch(l -> l.startsWith("CreateVolume")), String.join("\n", aws.ec2.log));
        assertTrue(r.out().contains("ROLLED BACK " + ID + ": running on " + ORIG), r.out());
    }

    @Test
    void rollbackWithoutTheOriginalMakesAVolumeFromItsSnapshotWithTheRootsIopsThroughputSizeAndKey() throws Exception {
        Ec2Cloud.Volume copy = seedRemediated();
        copy.size = 60; // grown after the repair
        aws.ec2.volumes.remove(ORIG); // someone deleted the original

        RouteRun.Result r = route.run("rollback", "--instance-id", ID);

        assertEquals(0, r.exit(), r.toString());
        assertNoViolations();
        Ec2Cloud.Volume root = aws.ec2.rootOf(instance);
        assertEquals("snap-0aaa00000000first", root.snapshotId);
        assertEquals(List.of("gp3", 60, 4000, 250, true, KMS), List.of(root.type, root.size, root.iops, root.throughput, root.encrypted, root.kmsKeyId));
        assertTrue(root.attachment.deleteOnTermination);
        assertEquals("broken", root.content);
        assertTrue(running(instance), instance.state);
        assertNull(copy.attachment);
    }

    @Test
    void interruptedDuringTheCommandThenCleanupLeavesItSafeAndASecondCleanupChangesNothing() throws Exception {
        aws.ssm.hang = true;
        Process p = route.start("fix", "--instance-id", ID, "--worker", AwsEndpoint.WORKER);
        waitForPolls(p, 3);
        p.destroy(); // SIGTERM
        RouteRun.Result r = route.finish(p);

        assertEquals(143, r.exit(), r.toString());
        SsmWorker.Command cmd = aws.ssm.commands.values().iterator().next();
        Ec2Cloud.Volume copy = aws.ec2.volumes.get(cmd.volume);
        String line = lastRecord(ID);
        assertTrue(line.contains("\tinterrupted\tbootmedic\t" + ORIG + "\t/dev/sda1\tsnap-") && line.contains(copy.id + "\t" + AwsEndpoint.WORKER + "\t" + cmd.id), line);
        assertEquals(AwsEndpoint.WORKER, copy.attachment.instance, "the copy left the worker while the command ran");
        assertTrue(r.err().contains("cleanup --record"), r.err());

        RouteRun.Result clean = route.run("cleanup");

        assertEquals(0, clean.exit(), clean.toString());
        assertNoViolations();
        assertEquals("Cancelled", cmd.status);
        assertNull(copy.attachment);
        assertEquals(original, aws.ec2.rootOf(instance));
        assertNeverWritten(original);
        assertTrue(lastRecord(ID).contains("\tcleaned\t"), lastRecord(ID));
        int changes = aws.ec2.log.size();

        RouteRun.Result second = route.run("cleanup");

        assertEquals(0, second.exit(), second.toString());
        assertEquals(changes, aws.ec2.log.size(), "the second cleanup changed something");
        assertTrue(second.all().contains("nothing to clean up"), second.all());
    }

    @Test
    void resumeFollowsTheInterruptedCommandAndFinishesTheSwap() throws Exception {
        aws.ssm.hang = true;
        Process p = route.start("fix", "--instance-id", ID, "--worker", AwsEndpoint.WORKER);
        waitForPolls(p, 3);
        p.destroy();
        assertEquals(143, route.finish(p).exit());
        aws.ssm.hang = false; // bootmedic finishes on the worker meanwhile

        RouteRun.Result r = route.run("resume");

        assertEquals(0, r.exit(), r.toString());
        assertNoViolations();
        assertEquals(1, aws.ssm.log.stream().filter(l -> l.startsWith("fix")).count(), "resume sent bootmedic again: " + aws.ssm.log);
        Ec2Cloud.Volume root = aws.ec2.rootOf(instance);
        assertNotEquals(original, root);
        assertEquals("fixed", root.content);
        assertTrue(running(instance), instance.state);
        assertNeverWritten(original);
        assertTrue(lastRecord(ID).contains("\tfixed\t"), lastRecord(ID));
    }

    @Test
    void dryRunChangesNothingAndAutoScalingMembersAreRefusedWithoutStandby() throws Exception {
        Ec2Cloud.Instance member = aws.ec2.addInstance("i-0abc0000000000003", "windows");
        windowsRoot(member, "vol-0ddd0000000member");
        aws.asg.members.put(member.id, new AutoScaling.Member("web-asg"));

        RouteRun.Result r = fix("--instance-id", member.id, "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), aws.ec2.log);
        assertEquals(List.of(), aws.asg.log);
        assertEquals(List.of(), aws.ssm.log);
        assertTrue(r.out().contains("PLAN " + ID + " (root " + ORIG + " at /dev/sda1, eu-west-1a, running, gp3 50 GiB, encrypted with KMS key " + KMS + ")"), r.out());
        assertTrue(r.out().contains("--volume-type gp3 --size 50 --iops 4000 --throughput 250 --encrypted --kms-key-id " + KMS), r.out());
        assertTrue(r.err().contains("FAILED " + member.id + ": it is in the Auto Scaling group web-asg"), r.err());
        assertFalse(Files.exists(route.record()), "a dry run wrote the record");
    }

    @Test
    void forceRepairsAgainAndTheFirstOriginalStaysTheRecord() throws Exception {
        Ec2Cloud.Volume firstCopy = seedRemediated();

        RouteRun.Result r = fix("--force");

        assertEquals(0, r.exit(), r.toString());
        assertNoViolations();
        Ec2Cloud.Volume root = aws.ec2.rootOf(instance);
        assertNotEquals(firstCopy, root);
        assertNotEquals(original, root);
        assertEquals(ORIG, instance.tags.get("bootmedic-original-root"), "the original's record was overwritten");
        assertEquals("snap-0aaa00000000first", instance.tags.get("bootmedic-original-snapshot"));
        assertEquals("replaced-root", firstCopy.tags.get("bootmedic-role"));
        assertEquals("original", original.tags.get("bootmedic-role"));
        assertNeverWritten(original);
        assertNull(original.attachment);
    }

    /** Waits until the fix command has been polled N times (the script is then in its poll loop). */
    void waitForPolls(Process p, int n) throws Exception {
        long end = System.currentTimeMillis() + 240_000;
        while (System.currentTimeMillis() < end && p.isAlive()) {
            synchronized (aws.ec2) {
                if (aws.ssm.commands.values().stream().anyMatch(c -> !c.deviceCheck && c.polls >= n)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the fix command was never polled " + n + " times (alive: " + p.isAlive() + ")\n" + route.finish(p));
    }
}
