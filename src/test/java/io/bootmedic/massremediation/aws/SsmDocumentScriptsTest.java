package io.bootmedic.massremediation.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Python of the SSM document's aws:executeScript steps (checkTargets, createCopy), taken out
 * of the YAML and run with Debian's botocore (python3-botocore: the real serializers and the
 * volume_available waiter) against the emulator. In Automation they get boto3; boto3.client is
 * a thin layer over botocore's create_client, so a two-line stand-in module gives them that.
 */
class SsmDocumentScriptsTest {
    static final String DOC = "scripts/aws/bootmedic-remediate.ssm.yaml";
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String RUNNER = """
            import json, sys, yaml
            doc = yaml.safe_load(open(sys.argv[1]))
            step = [s for s in doc["mainSteps"] if s["name"] == sys.argv[2]][0]
            scope = {}
            exec(step["inputs"]["Script"], scope)
            try:
                print(json.dumps(scope[step["inputs"]["Handler"]](json.loads(sys.argv[3]), None)))
            except Exception as e:
                print("RAISED " + str(e))
            """;
    static final String BOTO3 = """
            import os, botocore.session
            def client(name, **kw):
                return botocore.session.get_session().create_client(name, region_name="eu-west-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
            """;

    @TempDir
    Path tmp;
    AwsEndpoint aws;
    Ec2Cloud.Instance instance;
    Ec2Cloud.Volume original;

    @BeforeAll
    static void tools() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "/usr/bin/python3 is needed");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import botocore, yaml").start();
        assumeTrue(p.waitFor() == 0, "python3-botocore and python3-yaml are needed (bash scripts/setup-debian.sh)");
    }

    @BeforeEach
    void cloud() {
        aws = assertDoesNotThrowEndpoint();
        instance = aws.ec2.addInstance("i-0abc0000000000001", "windows");
        original = aws.ec2.addVolume("vol-0aaa000000000orig");
        original.type = "io2";
        original.size = 80;
        original.iops = 6000;
        original.throughput = null;
        original.encrypted = true;
        original.kmsKeyId = "arn:aws:kms:eu-west-1:111122223333:key/cmk";
        aws.ec2.attachNow(original, instance, "/dev/sda1", true);
    }

    private static AwsEndpoint assertDoesNotThrowEndpoint() {
        try {
            return new AwsEndpoint();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    String runStep(String step, String payload) throws Exception {
        Path runner = Files.writeString(tmp.resolve("runner.py"), RUNNER);
        Files.writeString(tmp.resolve("boto3.py"), BOTO3);
        ProcessBuilder pb = new ProcessBuilder(PYTHON.toString(), runner.toString(), DOC, step, payload)
                .directory(new File(System.getProperty("user.dir"))).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(java.util.Map.of("PATH", "/usr/bin:/bin", "HOME", tmp.toString(), "PYTHONPATH", tmp.toString(),
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLEDUMMY", "AWS_SECRET_ACCESS_KEY", "dummy", "AWS_CONFIG_FILE", tmp.resolve("none").toString(),
                "AWS_EC2_METADATA_DISABLED", "true", "AWS_ENDPOINT_URL", aws.url()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }

    @Test
    void createCopyMakesAVolumeWithTheOriginalsTypeSizeIopsAndKmsKey() throws Exception {
        Ec2Cloud.Snapshot snap = aws.ec2.createSnapshot(original, java.util.Map.of());
        snap.state = "completed";

        String out = runStep("createCopy", "{\"InstanceId\":\"i-0abc0000000000001\",\"VolumeId\":\"vol-0aaa000000000orig\",\"SnapshotId\":\"" + snap.id + "\"}");

        assertTrue(out.startsWith("{\"VolumeId\": \"vol-"), out);
        Ec2Cloud.Volume copy = aws.ec2.volumes.values().stream().filter(v -> snap.id.equals(v.snapshotId)).findFirst().orElseThrow();
        assertNotEquals(original, copy);
        assertEquals(List.of("io2", 80, 6000, true, "arn:aws:kms:eu-west-1:111122223333:key/cmk", "available"),
                java.util.Arrays.asList(copy.type, copy.size, copy.iops, copy.encrypted, copy.kmsKeyId, copy.state));
        assertEquals(null, copy.throughput);
        assertEquals("repair-copy", copy.tags.get("bootmedic-role"));
    }

    @Test
    void checkTargetsRefusesAnotherZoneAnAutoScalingMemberAndARemediatedInstanceBeforeAnyChange() throws Exception {
        String payload = "{\"InstanceId\":\"i-0abc0000000000001\",\"WorkerInstanceId\":\"" + AwsEndpoint.WORKER + "\"}";
        assertEquals("{\"AvailabilityZone\": \"eu-west-1a\"}", runStep("checkTargets", payload));

        aws.asg.members.put(instance.id, new AutoScaling.Member("web-asg"));
        assertTrue(runStep("checkTargets", payload).startsWith("RAISED i-0abc0000000000001 is in the Auto Scaling group web-asg"));
        aws.asg.members.clear();

        instance.tags.put("bootmedic-original-root", "vol-0first");
        assertTrue(runStep("checkTargets", payload).contains("already remediated (original root vol-0first)"));
        instance.tags.clear();

        instance.az = "eu-west-1b";
        assertTrue(runStep("checkTargets", payload).contains("is in eu-west-1b, the worker in eu-west-1a"));
        assertEquals(List.of(), aws.ec2.log, "a check changed something");
    }
}
