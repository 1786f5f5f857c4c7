package io.bootmedic.massremediation.gcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.bootmedic.massremediation.gcp.GcpCloud.WORKER;
import static io.bootmedic.massremediation.gcp.GcpCloud.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dry run and the VMs the route refuses before changing anything, with the real gcloud. */
class GcpRefusalTest {
    static final String S = GcloudSandbox.STAMP;

    @TempDir
    Path tmp;
    ComputeEmulator api;
    GcloudSandbox gcloud;

    @BeforeEach
    void cloud() throws Exception {
        api = new ComputeEmulator(GcpCloud.PROJECT);
        gcloud = new GcloudSandbox(tmp, api);
        ComputeState s = api.state;
        GcpCloud.worker(s);
        GcpCloud.windowsVm(s, ZONE, "win1", "RUNNING");
        GcpCloud.windowsVm(s, ZONE, "conf1", "RUNNING").putObject("confidentialInstanceConfig").put("enableConfidentialCompute", true);
        GcpCloud.windowsVm(s, "us-central1-b", "far1", "RUNNING");
        GcpCloud.windowsVm(s, ZONE, "csek1", "RUNNING");
        s.disk(ZONE, "csek1").putObject("diskEncryptionKey").put("sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        s.instance(ZONE, "win1").putObject("labels").put("crowdstrike", "affected");
        GcpCloud.windowsVm(s, ZONE, "win3", "TERMINATED").putObject("labels").put("crowdstrike", "affected");
        GcpCloud.windowsVm(s, ZONE, "healthy1", "RUNNING").putObject("labels").put("crowdstrike", "fine");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private List<String> changes() {
        return api.requests.stream().filter(r -> !r.startsWith("GET ")).toList();
    }

    @Test
    void dryRunReadsOnlyPlansTheGoodVmsAndRefusesConfidentialOtherZoneAndCsek() throws Exception {
        Path csv = tmp.resolve("vms.csv");
        Files.writeString(csv, "zone,instance\n" + ZONE + ",win1\n" + ZONE + ",conf1\nus-central1-b,far1\n" + ZONE + ",csek1\n");

        GcloudSandbox.Result r = gcloud.run("fix", "--zone", ZONE, "--worker", WORKER, "--csv", csv.toString(),
                "--label", "crowdstrike=affected", "--dry-run", "--record", gcloud.record().toString());

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), changes(), "a dry run changes nothing");
        assertTrue(r.out().contains("PLAN win1 (zone " + ZONE + ", boot disk win1: pd-balanced, 50 GB, device persistent-disk-0, auto-delete yes)"), r.out());
        assertTrue(r.out().contains("1. snapshot win1 -> win1-bm-" + S), r.out());
        // --label: the labelled VMs of the worker's zone, each once (win1 is in the CSV too)
        assertTrue(r.out().contains("PLAN win3 (zone " + ZONE + ", boot disk win3:"), r.out());
        assertEquals(1, r.out().split("PLAN win1 ", -1).length - 1, r.out());
        assertFalse(r.out().contains("healthy1"), r.out());
        assertTrue(r.out().contains("REFUSED conf1: it is a Confidential VM"), r.out());
        assertTrue(r.out().contains("REFUSED far1: the VM is in zone us-central1-b, the worker " + WORKER + " in " + ZONE), r.out());
        assertTrue(r.out().contains("REFUSED csek1: its boot disk uses a customer-supplied key"), r.out());
        assertTrue(r.out().contains("DRY RUN: nothing was changed"), r.out());
        assertFalse(Files.exists(gcloud.record()), "a dry run records nothing");
    }

    @Test
    void refusedVmsAreNeverTouchedAndTheRunSaysSo() throws Exception {
        GcloudSandbox.Result r = gcloud.run("fix", "--zone", ZONE, "--worker", WORKER, "--instance", "conf1",
                "--record", gcloud.record().toString());

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), changes());
        assertEquals(List.of("conf1@persistent-disk-0:boot:autoDelete"), api.state.diskNames(ZONE, "conf1"));
        assertTrue(api.state.snapshots.isEmpty());
        assertTrue(Files.readString(gcloud.record()).contains("\tconf1\trefused\t"));
        assertTrue(r.out().contains("1 VM(s) not fixed"), r.out());
    }
}
