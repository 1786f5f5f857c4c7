package io.bootmedic.cloud.aws;

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

    @Test
    void theCommandDeadlineIsBeyondItsTimeoutsAndEveryStepHasAFailurePath() throws Exception {
        Path check = Files.writeString(tmp.resolve("check.py"), """
                import sys, yaml
                doc = yaml.safe_load(open(sys.argv[1]))
                steps = {s["name"]: s for s in doc["mainSteps"]}
                run = steps["runBootmedic"]["inputs"]
                execution = int(run["Parameters"]["executionTimeout"][0])
                delivery = int(run["TimeoutSeconds"])
                wait = steps["waitCommandEnded"]
                if wait["timeoutSeconds"] <= execution + delivery:
                    print("waitCommandEnded gives up at %ss, before delivery %ss + executionTimeout %ss" % (wait["timeoutSeconds"], delivery, execution))
                if wait["onFailure"] != "step:cancelCommand":
                    print("a command past its deadline is not cancelled")
                for s in doc["mainSteps"]:
                    if not s["name"].startswith("report") and "onFailure" not in s:
                        print("step %s has no onFailure" % s["name"])
                # nothing detaches the copy from the worker unless the command is terminal or never ran
                for name in ("detachFromWorker", "detachFromWorkerAfterFailure"):
                    into = [s["name"] for s in doc["mainSteps"] if s.get("onFailure") == "step:" + name or s.get("nextStep") == name]
                    allowed = {"waitAttachedToWorker", "runBootmedic", "assertBootmedicFixed", "assertDeviceFree"}
                    if not set(into) <= allowed:
                        print("%s is reached from %s" % (name, sorted(set(into) - allowed)))
                names = [s["name"] for s in doc["mainSteps"]]
                if names.index("assertSnapshotCompleted") > names.index("createCopy") or names.index("createCopy") > names.index("attachToWorker"):
                    print("the copy is not made from a completed snapshot before the attach")
                if "KeyBundlePath" not in doc["parameters"] or "PassphrasePath" not in doc["parameters"]:
                    print("no key bundle / passphrase path parameters")
                """);
        Process p = new ProcessBuilder(PYTHON.toString(), check.toString(), DOC).redirectErrorStream(true)
                .directory(new File(System.getProperty("user.dir"))).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertEquals("", out.strip());
    }

    @Test
    void workerCommandsPassTheKeyBundleAndPassphrasePathsOnlyWhenGiven() throws Exception {
        Path dev = Files.createDirectories(tmp.resolve("by-id"));
        Path argv = tmp.resolve("argv");
        Path fake = Files.writeString(tmp.resolve("fake-bootmedic"), "#!/bin/sh\necho \"$@\" > " + argv + "\n");
        fake.toFile().setExecutable(true);
        Path block = Files.list(Path.of("/dev")).filter(d -> d.getFileName().toString().matches("(loop|sd|vd|nvme|xvd)[0-9a-z]*"))
                .filter(d -> new File(d.toString()).exists()).filter(d -> {
                    try {
                        return new ProcessBuilder("test", "-b", d.toString()).start().waitFor() == 0;
                    } catch (Exception e) {
                        return false;
                    }
                }).findFirst().orElse(null);
        assumeTrue(block != null, "no block device to stand in for the attached copy");
        Files.createSymbolicLink(dev.resolve("nvme-Amazon_Elastic_Block_Store_vol0copy"), block);
        for (String[] keys : new String[][] {{"/etc/bootmedic/keys.bmk", "/etc/bootmedic/pass"}, {"", ""}}) {
            Path cmds = Files.writeString(tmp.resolve("extract.py"), """
                    import sys, yaml
                    doc = yaml.safe_load(open(sys.argv[1]))
                    step = [s for s in doc["mainSteps"] if s["name"] == "runBootmedic"][0]
                    text = "\\n".join(step["inputs"]["Parameters"]["commands"])
                    for k, v in {"{{ describeRootVolume.VolumeId }}": "vol-0copy", "{{ WorkerDeviceName }}": "/dev/sdf", "{{ ConfigPath }}": "",
                                 "{{ KeyBundlePath }}": sys.argv[4], "{{ PassphrasePath }}": sys.argv[5], "{{ BootmedicPath }}": sys.argv[3]}.items():
                        text = text.replace(k, v)
                    print(text.replace("/dev/disk/by-id/", sys.argv[2] + "/"))
                    """);
            Process x = new ProcessBuilder(PYTHON.toString(), cmds.toString(), DOC, dev.toString(), fake.toString(), keys[0], keys[1])
                    .directory(new File(System.getProperty("user.dir"))).redirectOutput(tmp.resolve("commands.sh").toFile()).start();
            assertEquals(0, x.waitFor());
            Process run = new ProcessBuilder("sh", tmp.resolve("commands.sh").toString()).redirectErrorStream(true).start();
            String out = new String(run.getInputStream().readAllBytes());
            assertEquals(0, run.waitFor(), out);
            String expected = "fix --device " + block.toRealPath() + (keys[0].isEmpty() ? "" : " --key-bundle /etc/bootmedic/keys.bmk --passphrase-file /etc/bootmedic/pass");
            assertEquals(expected, Files.readString(argv).strip());
        }
    }
}
