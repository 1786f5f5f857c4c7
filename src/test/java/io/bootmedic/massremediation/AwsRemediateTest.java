package io.bootmedic.massremediation;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/aws/remediate.sh against a fake 'aws': which calls, in which order, and what happens on failure. */
class AwsRemediateTest {
    static final String SCRIPT = "scripts/aws/remediate.sh";
    static final String ID = "i-0abc";
    static final String WORKER = "i-0worker";
    static final String VOL = "vol-0root";
    static final String SNAP = "snap-0pre";

    @TempDir
    Path tmp;
    FakeCli fake;

    @BeforeEach
    void cloud() throws Exception {
        fake = new FakeCli(tmp, "aws", "ssh");
        fake.on("aws", "sts get-caller-identity", "arn:aws:iam::111122223333:user/admin\n")
                .on("aws", "ec2 describe-instances --instance-ids " + WORKER, "eu-west-1a\trunning\n")
                .on("aws", "ec2 describe-instances --instance-ids " + ID + " --query Reservations[0].Instances[0].[RootDeviceName",
                        "/dev/sda1\teu-west-1a\twindows\trunning\n")
                .on("aws", "ec2 describe-instances --instance-ids " + ID + " --query Reservations[0].Instances[0].BlockDeviceMappings", VOL + "\n")
                .on("aws", "ec2 describe-volumes --volume-ids " + VOL, "True\tarn:aws:kms:eu-west-1:111122223333:key/k1\n")
                .on("aws", "ec2 create-snapshot", SNAP + "\n")
                .on("aws", "ssm send-command", "cmd-1\n");
    }

    private void workerSays(String stdout) throws Exception {
        fake.on("aws", "ssm get-command-invocation", stdout + "\n");
    }

    private FakeCli.Result fix(String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT, "fix", "--instance-id", ID, "--worker", WORKER,
                "--record", tmp.resolve("runs.tsv").toString()));
        cmd.addAll(List.of(extra));
        return fake.run(cmd.toArray(String[]::new));
    }

    static String workerArgs(String ssmParameters) {
        Matcher m = Pattern.compile("echo ([A-Za-z0-9+/=]+) \\| base64 -d").matcher(ssmParameters);
        assertTrue(m.find(), ssmParameters);
        String script = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        return script.lines().filter(l -> l.startsWith("set --")).findFirst().orElseThrow();
    }

    @Test
    void fixStopsSnapshotsMovesTheVolumeRepairsAndPutsItBack() throws Exception {
        workerSays("BOOTMEDIC_DEVICE=/dev/nvme1n1\nFIXED\nBOOTMEDIC_EXIT=0");

        FakeCli.Result r = fix("--config", "/etc/bootmedic/agent.conf");

        assertEquals(0, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertEquals(List.of(
                "aws sts get-caller-identity --query Arn --output text",
                "aws ec2 describe-instances --instance-ids i-0worker --query Reservations[0].Instances[0].[Placement.AvailabilityZone, State.Name] --output text",
                "aws ec2 describe-instances --instance-ids i-0abc --query Reservations[0].Instances[0].[RootDeviceName, Placement.AvailabilityZone, Platform, State.Name] --output text",
                "aws ec2 describe-instances --instance-ids i-0abc --query Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='/dev/sda1'].Ebs.VolumeId --output text",
                "aws ec2 describe-volumes --volume-ids vol-0root --query Volumes[0].[Encrypted, KmsKeyId] --output text",
                "aws ec2 stop-instances --instance-ids i-0abc --output text",
                "aws ec2 wait instance-stopped --instance-ids i-0abc",
                "aws ec2 create-snapshot --volume-id vol-0root --description bootmedic: root volume of i-0abc before repair --tag-specifications "
                        + "ResourceType=snapshot,Tags=[{Key=bootmedic-instance,Value=i-0abc},{Key=bootmedic-root-device,Value=/dev/sda1}] --query SnapshotId --output text",
                "aws ec2 detach-volume --volume-id vol-0root --instance-id i-0abc --output text",
                "aws ec2 wait volume-available --volume-ids vol-0root",
                "aws ec2 attach-volume --volume-id vol-0root --instance-id i-0worker --device /dev/sdf --output text",
                "aws ec2 wait volume-in-use --volume-ids vol-0root",
                calls.get(12),
                "aws ssm wait command-executed --command-id cmd-1 --instance-id i-0worker",
                "aws ssm get-command-invocation --command-id cmd-1 --instance-id i-0worker --query StandardOutputContent --output text",
                "aws ec2 detach-volume --volume-id vol-0root --instance-id i-0worker --output text",
                "aws ec2 wait volume-available --volume-ids vol-0root",
                "aws ec2 attach-volume --volume-id vol-0root --instance-id i-0abc --device /dev/sda1 --output text",
                "aws ec2 wait volume-in-use --volume-ids vol-0root",
                "aws ec2 start-instances --instance-ids i-0abc --output text"), calls);
        assertTrue(calls.get(12).matches("aws ssm send-command --instance-ids i-0worker --document-name AWS-RunShellScript "
                + "--comment bootmedic fix of i-0abc --parameters file://\\S+ --query Command.CommandId --output text"), calls.get(12));
        String params = fake.fileOf(12);
        assertTrue(params.startsWith("{\"commands\":[\"f=$(mktemp /tmp/bootmedic-worker.XXXXXX) && echo "), params);
        assertEquals("set -- --ebs-volume vol-0root --ebs-device /dev/sdf --config /etc/bootmedic/agent.conf", workerArgs(params));
        assertTrue(r.out().contains("FIXED i-0abc"), r.out());
        assertTrue(r.out().contains("rollback --instance-id i-0abc --snapshot snap-0pre"), r.out());
        assertTrue(Files.readString(tmp.resolve("runs.tsv")).contains("i-0abc\tfixed\tstart\tvol-0root\t/dev/sda1\tsnap-0pre"));
    }

    @Test
    void dryRunChangesNothing() throws Exception {
        FakeCli.Result r = fix("--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), FakeCli.mutating(fake.calls()));
        assertEquals(5, fake.calls().size(), String.join("\n", fake.calls()));
        assertTrue(r.out().contains("PLAN i-0abc (root vol-0root at /dev/sda1, eu-west-1a, running, encrypted with KMS key arn:aws:kms:eu-west-1:111122223333:key/k1)"), r.out());
        assertTrue(r.out().contains("DRY RUN: nothing was changed"), r.out());
    }

    private void assertOriginalVolumeBackAndNotStarted(List<String> calls) {
        String last = calls.get(calls.size() - 1);
        assertEquals("aws ec2 wait volume-in-use --volume-ids vol-0root", last, String.join("\n", calls));
        assertEquals("aws ec2 attach-volume --volume-id vol-0root --instance-id i-0abc --device /dev/sda1 --output text", calls.get(calls.size() - 2));
        for (String c : calls) {
            assertFalse(c.startsWith("aws ec2 start-instances"), "started after a failure: " + c);
            assertFalse(c.startsWith("aws ec2 attach-volume") && !c.contains("--volume-id vol-0root"), "another volume attached: " + c);
            assertFalse(c.startsWith("aws ec2 create-volume"), c);
        }
    }

    @Test
    void attachToWorkerFailurePutsTheSameVolumeBackAndDoesNotStart() throws Exception {
        fake.fail("aws", "ec2 attach-volume --volume-id vol-0root --instance-id i-0worker", "An error occurred (InvalidParameterValue): Invalid value '/dev/sdf' for unixDevice. Attachment point /dev/sdf is already in use");

        FakeCli.Result r = fix();

        assertEquals(1, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertOriginalVolumeBackAndNotStarted(calls);
        assertTrue(calls.stream().noneMatch(c -> c.contains("ssm send-command")));
        assertTrue(calls.stream().noneMatch(c -> c.contains("detach-volume --volume-id vol-0root --instance-id i-0worker")), "it never reached the worker");
        assertTrue(r.out().contains("FAILED i-0abc at step 'attach-worker'"), r.out());
        assertTrue(r.out().contains("root volume vol-0root attached as /dev/sda1 again"), r.out());
        assertTrue(r.out().contains("aws ec2 start-instances --instance-ids i-0abc"), r.out());
        assertTrue(r.out().contains("rollback --instance-id i-0abc --snapshot snap-0pre"), r.out());
    }

    @Test
    void bootmedicFailureDetachesFromTheWorkerAndPutsTheVolumeBack() throws Exception {
        workerSays("worker-fix: ...\nBOOTMEDIC_EXIT=1");

        FakeCli.Result r = fix();

        assertEquals(1, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertOriginalVolumeBackAndNotStarted(calls);
        int detach = calls.indexOf("aws ec2 detach-volume --volume-id vol-0root --instance-id i-0worker --output text");
        int invocation = calls.indexOf("aws ssm get-command-invocation --command-id cmd-1 --instance-id i-0worker --query StandardOutputContent --output text");
        assertTrue(invocation > 0 && detach > invocation, String.join("\n", calls));
        assertTrue(r.all().contains("exit 1: still needs work"), r.all());
        assertTrue(r.out().contains("bootmedic undo"), r.out());
    }

    @Test
    void sendCommandFailureCountsAsFailure() throws Exception {
        fake.fail("aws", "ssm send-command", "An error occurred (InvalidInstanceId): Instances [[i-0worker]] not in a valid state for account");

        FakeCli.Result r = fix();

        assertEquals(1, r.exit(), r.toString());
        assertOriginalVolumeBackAndNotStarted(fake.calls());
        assertTrue(r.out().contains("at step 'bootmedic'"), r.out());
    }

    @Test
    void instanceInAnotherZoneIsRefusedBeforeAnyChange() throws Exception {
        fake.on("aws", "ec2 describe-instances --instance-ids " + ID + " --query Reservations[0].Instances[0].[RootDeviceName",
                "/dev/sda1\teu-west-1b\twindows\tstopped\n");

        FakeCli.Result r = fix();

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), FakeCli.mutating(fake.calls()));
        assertTrue(r.err().contains("in eu-west-1b, the worker in eu-west-1a"), r.err());
    }

    @Test
    void linuxInstancesAreSkipped() throws Exception {
        fake.on("aws", "ec2 describe-instances --instance-ids " + ID + " --query Reservations[0].Instances[0].[RootDeviceName",
                "/dev/xvda\teu-west-1a\tNone\trunning\n");

        FakeCli.Result r = fix();

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), FakeCli.mutating(fake.calls()));
        assertTrue(r.out().contains("skipped i-0abc"), r.out());
    }

    @Test
    void rollbackSwapsInAVolumeFromTheSnapshotAndKeepsTheRepairedOne() throws Exception {
        fake.on("aws", "ec2 describe-volumes --volume-ids vol-0root --query Volumes[0].VolumeType", "gp3\n")
                .on("aws", "ec2 describe-snapshots --snapshot-ids snap-0pre", "completed\n")
                .on("aws", "ec2 create-volume", "vol-0new\n");

        FakeCli.Result r = fake.run("bash", SCRIPT, "rollback", "--instance-id", ID, "--snapshot", SNAP);

        assertEquals(0, r.exit(), r.toString());
        List<String> mutating = FakeCli.mutating(fake.calls());
        assertEquals(List.of(
                "aws ec2 stop-instances --instance-ids i-0abc --output text",
                "aws ec2 create-volume --snapshot-id snap-0pre --availability-zone eu-west-1a --volume-type gp3 --tag-specifications "
                        + "ResourceType=volume,Tags=[{Key=bootmedic-rollback-of,Value=i-0abc}] --query VolumeId --output text",
                "aws ec2 detach-volume --volume-id vol-0root --instance-id i-0abc --output text",
                "aws ec2 attach-volume --volume-id vol-0new --instance-id i-0abc --device /dev/sda1 --output text",
                "aws ec2 start-instances --instance-ids i-0abc --output text"), mutating);
        assertTrue(r.out().contains("ROLLED BACK i-0abc: running on vol-0new"), r.out());
    }
}
