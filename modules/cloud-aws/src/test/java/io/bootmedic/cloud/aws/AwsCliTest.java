package io.bootmedic.cloud.aws;

import io.bootmedic.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `bootmedic cloud aws ...` as an operator types it, through Main, against the emulator. */
class AwsCliTest {
    @TempDir
    Path dir;

    AwsEndpoint aws;

    @BeforeAll
    static void credentials() {
        AwsEngineTest.credentials();
    }

    @BeforeEach
    void start() throws Exception {
        aws = new AwsEndpoint();
        Ec2Cloud.Instance i = aws.ec2.addInstance("i-0aaaaaaaaaaaaa301", "windows");
        aws.ec2.attachNow(aws.ec2.addVolume("vol-0aaaaaaaaaaaa301"), i, i.rootDevice, true);
        Ec2Cloud.Instance l = aws.ec2.addInstance("i-0aaaaaaaaaaaaa302", null);
        aws.ec2.attachNow(aws.ec2.addVolume("vol-0aaaaaaaaaaaa302"), l, l.rootDevice, true);
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    record Out(int code, String out, String err) {
    }

    Out bootmedic(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Out(code, out.toString(), err.toString());
    }

    String[] route(String command, String region, String... more) {
        List<String> a = new ArrayList<>(List.of("cloud", "aws", command, "--region", region, "--endpoint", aws.url(), "--worker", AwsEndpoint.WORKER,
                "--instance-id", "i-0aaaaaaaaaaaaa301", "--instance-id", "i-0aaaaaaaaaaaaa302", "--journal", dir.resolve("run.journal").toString(),
                "--poll-seconds", "0", "--grace-seconds", "1", "--settle-seconds", "0"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void planChangesNothingRunRepairsStatusReadsTheJournalAndResumeRefusesAnotherRegion() throws Exception {
        Out plan = bootmedic(route("plan", "eu-west-1"));
        assertEquals(0, plan.code(), plan.err());
        assertTrue(plan.out().contains("i-0aaaaaaaaaaaaa301") && plan.out().contains("REPAIR"), plan.out());
        assertTrue(plan.out().contains("LEAVE: not Windows"), plan.out());
        assertTrue(aws.ec2.log.stream().noneMatch(l -> l.startsWith("Stop") || l.startsWith("Create")), aws.ec2.log.toString());

        Out run = bootmedic(route("run", "eu-west-1", "--report", dir.resolve("report.json").toString()));
        assertEquals(0, run.code(), run.out() + run.err());
        String report = Files.readString(dir.resolve("report.json"));
        assertTrue(report.contains("\"schema\":\"bootmedic.cloud-run/v1\"") && report.contains("\"step\":\"REPAIRED\"")
                && report.contains("\"step\":\"SKIPPED\""), report);
        assertTrue(run.out().contains("REPAIRED"), run.out());
        assertTrue(run.out().contains("SNAPSHOTTING"), "a progress line per transition: " + run.out());
        assertEquals(List.of(), aws.ec2.violations);

        Out again = bootmedic(route("run", "eu-west-1"));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("exists: resume it"), again.err());

        Out status = bootmedic("cloud", "aws", "status", "--journal", dir.resolve("run.journal").toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("i-0aaaaaaaaaaaaa301") && status.out().contains("REPAIRED"), status.out());

        Out elsewhere = bootmedic(route("resume", "us-east-1"));
        assertEquals(2, elsewhere.code(), elsewhere.out());
        assertTrue(elsewhere.err().contains("is a run against aws eu-west-1"), elsewhere.err());
        assertTrue(Files.readString(dir.resolve("run.journal")).contains("\"target\":\"aws eu-west-1"));
    }

    @Test
    void refusedCredentialsAreExitThreeWithWhatToDo() {
        aws.authFailure = true;
        Out plan = bootmedic(route("plan", "eu-west-1"));
        assertEquals(3, plan.code(), plan.out() + plan.err());
        assertTrue(plan.err().contains("not logged in") && plan.err().contains("credentials were refused"), plan.err());
    }

    @Test
    void badOptionsAreOneLineAndExitTwo() {
        Out noTargets = bootmedic("cloud", "aws", "plan", "--worker", AwsEndpoint.WORKER, "--region", "eu-west-1", "--endpoint", aws.url());
        assertEquals(2, noTargets.code());
        assertTrue(noTargets.err().contains("say which instances"), noTargets.err());
        Out badWorker = bootmedic("cloud", "aws", "plan", "--worker", "web-1", "--instance-id", "i-0aaaaaaaaaaaaa301", "--region", "eu-west-1");
        assertEquals(2, badWorker.code());
        assertTrue(badWorker.err().contains("--worker must be an instance ID"), badWorker.err());
        assertFalse(badWorker.err().contains("\tat "), "no stack trace: " + badWorker.err());
        Out badDevice = bootmedic("cloud", "aws", "plan", "--worker", AwsEndpoint.WORKER, "--device", "/dev/sda1", "--instance-id", "i-0aaaaaaaaaaaaa301",
                "--region", "eu-west-1");
        assertEquals(2, badDevice.code());
        assertTrue(badDevice.err().contains("--device must be a data device"), badDevice.err());
    }
}
