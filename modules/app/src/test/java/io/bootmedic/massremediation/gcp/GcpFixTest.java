package io.bootmedic.massremediation.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.bootmedic.massremediation.gcp.GcpCloud.KMS_KEY;
import static io.bootmedic.massremediation.gcp.GcpCloud.WINDOWS_LICENSE;
import static io.bootmedic.massremediation.gcp.GcpCloud.WORKER;
import static io.bootmedic.massremediation.gcp.GcpCloud.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/gcp/remediate.sh fix with the real gcloud against the Compute Engine emulator: the whole route. */
class GcpFixTest {
    static final String S = GcloudSandbox.STAMP;

    @TempDir
    Path tmp;
    ComputeEmulator api;
    GcloudSandbox gcloud;

    @BeforeEach
    void cloud() throws Exception {
        api = new ComputeEmulator(GcpCloud.PROJECT);
        gcloud = new GcloudSandbox(tmp, api);
        GcpCloud.worker(api.state);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private int index(String prefix) {
        List<String> t = api.state.timeline;
        for (int k = 0; k < t.size(); k++) {
            if (t.get(k).startsWith(prefix)) {
                return k;
            }
        }
        throw new AssertionError("no event '" + prefix + "' in\n" + String.join("\n", t));
    }

    @Test
    void everySnapshotIsWaitedForFirstAFailedOneStopsOnlyItsVmAndTheOtherRunsOnARepairedCopyEvenThroughADroppedConnection() throws Exception {
        GcpCloud.windowsVm(api.state, ZONE, "win1", "RUNNING");
        GcpCloud.hyperdiskCmekVm(api.state, "win2", true);
        api.state.failSnapshotOf.add("win1"); // its snapshot ends FAILED
        gcloud.workerRun(3, 0); // bootmedic runs longer than one poll window (1 s): the driver polls
        gcloud.dropConnectionDuringRun(); // and one poll gets no answer (ssh exit 255)

        GcloudSandbox.Result r = gcloud.run("fix", "--zone", ZONE, "--worker", WORKER, "--instance", "win1", "--instance", "win2",
                "--config", "/etc/bootmedic/agent.conf", "--record", gcloud.record().toString());

        assertEquals(1, r.exit(), r + "\n" + String.join("\n", api.state.timeline));
        ComputeState s = api.state;
        String copy2 = "win2-bm-" + S + "-fix";

        // both snapshots requested, and both finished (READY or FAILED), before the first copy is made
        int firstCopy = index("insertDisk ");
        assertTrue(index("insertSnapshot win1-bm-" + S + " of win1") < firstCopy);
        assertTrue(index("insertSnapshot win2-bm-" + S + " of win2") < firstCopy);
        assertTrue(index("snapshot win1-bm-" + S + " FAILED") < firstCopy);
        assertTrue(index("snapshot win2-bm-" + S + " READY") < firstCopy);

        // win1: its snapshot FAILED, so nothing else happened to it
        assertEquals(List.of("win1@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, "win1"));
        assertEquals("RUNNING", s.instance(ZONE, "win1").path("status").asText());
        assertFalse(s.disks.containsKey(ZONE + "/win1-bm-" + S + "-fix"));
        assertTrue(s.instance(ZONE, "win1").path("labels").isEmpty());
        assertTrue(r.out().contains("FAILED win1: snapshot win1-bm-" + S + " FAILED; nothing else was changed"), r.out());

        // win2 runs on its copy, attached as boot disk under the old device name, auto-delete kept
        assertEquals(List.of(copy2 + "@win2-boot:boot:autoDelete"), s.diskNames(ZONE, "win2"));
        assertEquals("RUNNING", s.instance(ZONE, "win2").path("status").asText());
        assertEquals(List.of(WORKER + "@persistent-disk-0:boot:autoDelete"), s.diskNames(ZONE, WORKER));

        // the copy: same type, size, guest OS features, licences, IOPS/throughput, CMEK key
        ObjectNode c2 = s.disk(ZONE, copy2);
        assertEquals("hyperdisk-balanced", ComputeState.last(c2.path("type").asText()));
        assertEquals("100", c2.path("sizeGb").asText());
        assertEquals("6000", c2.path("provisionedIops").asText());
        assertEquals("290", c2.path("provisionedThroughput").asText());
        assertTrue(c2.path("diskEncryptionKey").path("kmsKeyName").asText().startsWith(KMS_KEY + "/cryptoKeyVersions/"), c2.toString());
        assertEquals(List.of("UEFI_COMPATIBLE", "WINDOWS"), types(c2.path("guestOsFeatures")));
        assertEquals(WINDOWS_LICENSE, c2.path("licenses").get(0).asText());
        assertEquals("win2-bm-" + S, ComputeState.last(c2.path("sourceSnapshot").asText()));
        assertTrue(api.requests.stream().anyMatch(q -> q.equals("POST /compute/v1/projects/" + GcpCloud.PROJECT + "/zones/" + ZONE + "/disks")));

        // the original: detached, kept, labelled; the VM names it for rollback
        ObjectNode o2 = s.disk(ZONE, "win2");
        assertEquals(0, o2.path("users").size());
        assertEquals("win2", o2.path("labels").path("bootmedic-original-of").asText());
        assertEquals("win2", s.instance(ZONE, "win2").path("labels").path("bootmedic-original-disk").asText());
        assertEquals(copy2, s.instance(ZONE, "win2").path("labels").path("bootmedic-repaired-disk").asText());
        assertEquals("win2", s.snapshot("win2-bm-" + S).path("labels").path("bootmedic-instance").asText());

        // bootmedic ran on the copy while it was attached to the worker under its own device name,
        // the copy was detached only after the run had ended, the VM stopped only after that
        assertTrue(s.timeline.contains("bootmedic-start " + copy2 + " attached=" + WORKER + "/" + copy2 + "/100"), String.join("\n", s.timeline));
        assertTrue(index("bootmedic-end " + copy2 + " rc=0") < index("detachDisk " + WORKER + " " + copy2));
        assertTrue(index("detachDisk " + WORKER + " " + copy2) < index("stop win2"));
        assertTrue(index("stop win2") < index("detachDisk win2 win2"));
        assertEquals(List.of("set -- --gce-device-name " + copy2 + " --expect-size 107374182400 --config /etc/bootmedic/agent.conf"),
                gcloud.workerArgs());
        assertTrue(gcloud.sshCalls().size() >= 3, "polled: " + gcloud.sshCalls());
        assertTrue(r.err().contains("win2: no answer from the worker (exit 255); asking again"), r.err());

        String record = Files.readString(gcloud.record());
        assertTrue(record.contains("\t" + ZONE + "\twin2\tfixed\tdone\twin2\twin2-bm-" + S + "\t" + copy2 + "\twin2-boot\tyes\t" + WORKER + "\t" + S), record);
        assertTrue(record.contains("\twin1\tfailed\tsnapshot\t"), record);
        assertTrue(r.out().contains("FIXED win2"), r.out());
        assertTrue(r.out().contains("rollback --zone " + ZONE + " --instance win2"), r.out());
    }

    static List<String> types(JsonNode features) {
        List<String> out = new ArrayList<>();
        features.forEach(f -> out.add(f.path("type").asText()));
        return out;
    }
}
