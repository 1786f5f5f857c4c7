package io.bootmedic.massremediation.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * happened (detach during a running command, start on an unattached root, ...).
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

    @BeforeAll
    static void realCli() {
        assumeTrue(Files.isExecutable(RouteRun.AWS), "the real aws CLI (Debian awscli, bash scripts/setup-debian.sh) is needed");
    }

    @BeforeEach
    void cloud() throws Exception {
        aws = new AwsEndpoint();
        route = new RouteRun(tmp, aws);
        instance = aws.ec2.addInstance(ID, "windows");
        original = aws.ec2.addVolume(ORIG);
        original.type = "gp3";
        original.size = 50;
        original.iops = 4000;
        original.throughput = 250;
        original.encrypted = true;
        original.kmsKeyId = KMS;
        aws.ec2.attachNow(original, instance, "/dev/sda1", true);
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    RouteRun.Result fix(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("fix", "--instance-id", ID, "--worker", AwsEndpoint.WORKER));
        args.addAll(List.of(extra));
        return route.run(args.toArray(String[]::new));
    }

    void assertNoViolations() {
        assertEquals(List.of(), aws.ec2.violations, "EC2 log:\n" + String.join("\n", aws.ec2.log));
    }

    /** The original is untouched, detached or still root, never written. */
    void assertOriginalNeverWritten() {
        assertEquals("broken", original.content);
        assertEquals(0, original.writes, "bootmedic wrote to the original volume");
    }

    @Test
    void fixRepairsACopyFromACompletedSnapshotAndKeepsTheOriginalDetachedAndTagged() throws Exception {
        aws.asg.members.put(ID, new AutoScaling.Member("web-asg"));
        // more output than SSM keeps: the exit line is cut off, the result must come from ResponseCode
        aws.ssm.stdout = "x".repeat(30_000) + "\nBOOTMEDIC_EXIT=0\n";

        RouteRun.Result r = fix("--asg-standby", "--config", "/etc/bootmedic/agent.conf");

        assertEquals(0, r.exit(), r.toString());
        assertNoViolations();
        Ec2Cloud.Volume root = aws.ec2.rootOf(instance);
        assertNotNull(root, "the instance has no root volume");
        assertNotEquals(ORIG, root.id, "the original is still root: nothing was swapped");
        assertEquals("fixed", root.content);
        assertEquals("running", instance.state.equals("pending") ? "running" : instance.state);
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
        assertOriginalNeverWritten();
        assertEquals("original", original.tags.get("bootmedic-role"));
        assertEquals(ID, original.tags.get("bootmedic-original-of"));
        assertEquals(ORIG, instance.tags.get("bootmedic-original-root"));
        // the worker ran bootmedic on the copy, with the size cross-check and the collector config
        assertEquals(List.of("fix " + root.id), aws.ssm.log);
        SsmWorker.Command cmd = aws.ssm.commands.values().iterator().next();
        assertEquals("set -- --ebs-volume " + root.id + " --ebs-device /dev/sdf --expect-size 53687091200 --config /etc/bootmedic/agent.conf", cmd.workerArgs);
        assertEquals("3600", cmd.executionTimeout);
        assertNull(aws.ec2.volumes.get(root.id).tags.get("bootmedic-original-of"));
        // Auto Scaling: standby before the stop, back after the start
        assertEquals(List.of("EnterStandby " + ID + " decrement", "ExitStandby " + ID), aws.asg.log);
        assertTrue(r.out().contains("FIXED " + ID), r.out());
        String last = Files.readAllLines(route.record()).get(Files.readAllLines(route.record()).size() - 1);
        assertTrue(last.contains(ID + "\tfixed\tstart\t" + ORIG + "\t/dev/sda1\t" + snap.id + "\t" + root.id), last);
    }
}
