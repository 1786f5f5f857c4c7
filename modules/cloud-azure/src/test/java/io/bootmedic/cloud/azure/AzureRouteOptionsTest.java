package io.bootmedic.cloud.azure;

import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The route's options: the old script's flags and what they mean now; bad options are one line, before any write. */
class AzureRouteOptionsTest {
    @Test
    void theRouteIsFoundByServiceLoader() {
        assertTrue(ServiceLoader.load(Route.class).stream().anyMatch(p -> p.get().name().equals("azure")));
    }

    @Test
    void workersTakeTheirLunsOrTheDefault() {
        assertEquals(List.of("lun10"), WorkerSpec.parse("w1", "wrg", List.of()).devices());
        assertEquals(List.of("lun11", "lun12"), WorkerSpec.parse("w1", "wrg", List.of(11, 12)).devices());
        WorkerSpec s = WorkerSpec.parse("ops/w2:20,21", null, List.of());
        assertEquals("ops", s.group());
        assertEquals("w2", s.name());
        assertEquals(List.of("lun20", "lun21"), s.devices());
    }

    @Test
    void lunZeroAndOneAreRefusedLikeWorkerFixShRefusesThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkerSpec.parse("w1:1", "wrg", List.of()));
        assertTrue(e.getMessage().contains("LUN 1 is refused"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerSpec.parse("w1:64", "wrg", List.of()));
        assertThrows(IllegalArgumentException.class, () -> WorkerSpec.parse("w1", null, List.of()), "a worker needs its group");
        assertThrows(IllegalArgumentException.class, () -> Luns.lun("lun0"));
    }

    @Test
    void targetsAsTheOldScriptChoseThem(@TempDir Path tmp) throws Exception {
        AzureOptions o = parse("--resource-group", "prod");
        assertTrue(AzureRoute.targets(o).wholeGroup());
        o = parse("--resource-group", "prod", "--vm", "web01", "--vm", "web02");
        Targets t = AzureRoute.targets(o);
        assertEquals(List.of(new Targets.GroupAndName("prod", "web01"), new Targets.GroupAndName("prod", "web02")), t.vms());
        assertTrue(!t.wholeGroup() && !t.byTag());
        o = parse("--tag", "crowdstrike=affected");
        t = AzureRoute.targets(o);
        assertEquals("crowdstrike", t.tagKey());
        assertEquals("affected", t.tagValue());
        assertNull(t.group());
        Path csv = tmp.resolve("vms.csv");
        Files.writeString(csv, "resource_group,vm_name\n# a comment\nprod,web01\n\"test\", web02\nweb03\n");
        o = parse("--csv", csv.toString(), "--resource-group", "dflt");
        t = AzureRoute.targets(o);
        assertEquals(List.of(new Targets.GroupAndName("prod", "web01"), new Targets.GroupAndName("test", "web02"), new Targets.GroupAndName("dflt", "web03")), t.vms());
        assertTrue(!t.wholeGroup(), "--csv with --resource-group names the line's default group, not the whole group");
        Files.writeString(csv, "web03\n");
        AzureOptions noGroup = parse("--csv", csv.toString());
        assertThrows(IllegalArgumentException.class, () -> AzureRoute.targets(noGroup));
    }

    @Test
    void badOptionsAreOneLineBeforeAnythingIsCalled() {
        assertThrows(IllegalArgumentException.class, () -> AzureRoute.checkOptions(parse("--worker", "w", "--worker-group", "g")), "no targets");
        AzureOptions noSub = parse("--worker", "w", "--worker-group", "g", "--resource-group", "prod");
        noSub.subscription = null;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AzureRoute.checkOptions(noSub)).getMessage().contains("--subscription"));
        assertThrows(IllegalArgumentException.class, () -> AzureRoute.checkOptions(parse("--worker", "w", "--vm", "web01")), "--vm without its group");
        assertThrows(IllegalArgumentException.class, () -> AzureRoute.checkOptions(parse("--worker", "w", "--tag", "novalue")));
    }

    @Test
    void connectReadsTheWorkersAndRefusesANonLinuxOrSecondRegionWorker() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            f.st.addVm("wrg", "worker2", "westeurope", null, "Linux", f.st.addDisk("wrg", "w2_os", "westeurope", null, "Premium_LRS", 30));
            Connection c = f.connect("--resource-group", "prod", "--worker-group", "wrg", "--worker", "worker:10,11", "--worker", "worker2");
            assertEquals(2, c.workers().size());
            assertEquals(List.of("lun10", "lun11"), c.workers().get(0).devices());
            assertEquals("westeurope/1", c.workers().get(0).zone());
            assertEquals("westeurope", c.workers().get(1).zone(), "a regional worker serves regional and zone-redundant copies");
            assertTrue(c.target().contains(ArmState.SUB) && c.target().contains("westeurope"), c.target());
            f.st.addWindowsVm("wrg", "winworker", "westeurope", "1");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> f.connect("--resource-group", "prod", "--worker-group", "wrg", "--worker", "winworker"))
                    .getMessage().contains("not a Linux VM"));
            f.st.addVm("wrg", "east", "eastus", null, "Linux", f.st.addDisk("wrg", "east_os", "eastus", null, "Premium_LRS", 30));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> f.connect("--resource-group", "prod", "--worker-group", "wrg", "--worker", "worker",
                    "--worker", "east")).getMessage().contains("one run is one region"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> f.connect("--resource-group", "prod", "--worker-group", "wrg", "--worker", "nosuch"))
                    .getMessage().contains("cannot read the worker VM wrg/nosuch"));
            f.st.power.put(ArmState.key(f.worker.get("id").asText()), "deallocated");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> f.connect("--resource-group", "prod")).getMessage().contains("is not running"));
        }
    }

    @Test
    void aVmInAnotherRegionIsSkippedBeforeAnythingChanges() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            f.st.addWindowsVm("prod", "east01", "eastus", null);
            var r = f.run("--resource-group", "prod");
            var v = AzureFixture.vm(r, "prod/east01");
            assertEquals(io.bootmedic.cloud.engine.Step.SKIPPED, v.step());
            assertTrue(v.reason().contains("no worker is in its zone eastus"), v.reason());
            assertEquals(List.of(), f.st.powerCalls);
        }
    }

    @Test
    void aVmInAnotherZoneNeedsAWorkerThere() throws Exception {
        try (AzureFixture f = new AzureFixture()) {
            f.st.addWindowsVm("prod", "z2", "westeurope", "2");
            var v = AzureFixture.vm(f.run("--resource-group", "prod"), "prod/z2");
            assertEquals(io.bootmedic.cloud.engine.Step.SKIPPED, v.step());
            assertTrue(v.reason().contains("westeurope/2"), v.reason());
        }
    }

    private static AzureOptions parse(String... args) {
        AzureOptions o = new AzureOptions();
        new picocli.CommandLine(o).parseArgs(args);
        o.subscription = ArmState.SUB;
        return o;
    }
}
