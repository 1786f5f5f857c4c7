package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static io.bootmedic.cloud.gcp.GcpWorld.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The route as the engine's commands find it, its options and refusals, and the worker reached through gcloud compute ssh. */
class GcpRouteTest {
    @TempDir
    Path tmp;
    GcpWorld w;

    @BeforeEach
    void world() throws Exception {
        w = new GcpWorld(tmp, "n2-standard-4");
    }

    @AfterEach
    void close() throws Exception {
        w.close();
    }

    private String refusal(String... args) {
        GcpOptions o = CommandLine.populateCommand(new GcpOptions(), args);
        return assertThrows(IllegalArgumentException.class, () -> new GcpRoute().connect(o)).getMessage();
    }

    @Test
    void theRouteIsFoundByItsNameAndItsOptionsAreAPicocliMixin() {
        Route r = ServiceLoader.load(Route.class).stream().map(ServiceLoader.Provider::get).filter(x -> x.name().equals("gcp")).findFirst().orElseThrow();
        assertTrue(r.newOptions() instanceof GcpOptions);
        CommandLine cmd = new CommandLine(CommandLine.Model.CommandSpec.create());
        cmd.addMixin("gcp", r.newOptions());
        assertTrue(cmd.getCommandSpec().optionsMap().containsKey("--worker"));
        assertTrue(cmd.getCommandSpec().findOption("--endpoint").hidden());
    }

    @Test
    void badOptionsAndUnfitWorkersAreRefusedWithOneLineBeforeAnythingIsWritten() {
        String ep = w.api.endpoint();
        assertTrue(refusal("--project", "p", "--zone", ZONE, "--worker", "bm-worker").contains("name the VMs"));
        assertTrue(refusal("--project", "p", "--zone", ZONE, "--worker", "bm-worker", "--label", "Fleet=X").contains("--label must be KEY=VALUE"));
        assertTrue(refusal("--project", "p", "--zone", ZONE, "--worker", "bm-worker", "--instance", "a", "--devices", "a,a").contains("distinct"));
        w.s.instance(ZONE, GcpWorld.WORKER).put("status", "TERMINATED");
        String stopped = refusal("--project", GcpWorld.PROJECT, "--zone", ZONE, "--worker", "bm-worker", "--instance", "a", "--endpoint", ep);
        assertTrue(stopped.contains("is TERMINATED, not RUNNING: start it"), stopped);
        assertTrue(refusal("--project", GcpWorld.PROJECT, "--zone", ZONE, "--worker", "nope", "--instance", "a", "--endpoint", ep)
                .contains("cannot read the worker nope"));
        w.windowsVm("win9", "clean");
        String windows = refusal("--project", GcpWorld.PROJECT, "--zone", ZONE, "--worker", "win9", "--instance", "a", "--endpoint", ep);
        assertTrue(windows.contains("must be an ordinary Linux VM"), windows);
        assertEquals(List.of(), w.s.timeline.stream().filter(e -> !e.startsWith("attach")).toList(), "nothing written");
    }

    @Test
    void theFixRunsOnTheWorkerThroughGcloudComputeSshAsTheOldRouteDid() throws Exception {
        w.windowsVm("win1", "broken");
        Connection c = w.connectSsh("--instance", "win1", "--ssh-arg=--tunnel-through-iap", "--config", "/etc/bootmedic/agent.conf");

        RunReport r = Engine.run(c.provider(), new MemoryJournalStore(), Clock.SYSTEM, GcpWorld.cfg(c), "abcd1234");

        assertEquals(Step.REPAIRED, r.vms().get(0).step(), r.vms().get(0).toString());
        List<String> calls = Files.readAllLines(tmp.resolve("gcloud.log"));
        assertTrue(calls.stream().allMatch(l -> l.startsWith("compute ssh bm-worker --zone us-central1-a --project bm-test-project --quiet")), calls.toString());
        assertTrue(calls.stream().allMatch(l -> l.contains("--tunnel-through-iap")), calls.toString());
        String fix = Files.readString(tmp.resolve("jobs/bm-abcd1234-" + w.uid("win1") + "-fix1/worker-fix.sh"));
        assertTrue(fix.lines().skip(1).findFirst().orElse("")
                .equals("set -- '--gce-device-name' 'bootmedic-1' '--expect-size' '53687091200' '--config' '/etc/bootmedic/agent.conf'"), fix.substring(0, 200));
        assertTrue(fix.contains("BOOTMEDIC_EXIT="), "the rest is worker-fix.sh");
    }
}
