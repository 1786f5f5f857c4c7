package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static io.bootmedic.cloud.gcp.GcpWorld.ZONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The emulator refuses what the service refuses, and the route maps each refusal to the engine's kind. */
class ComputeStrictnessTest {
    @TempDir
    Path tmp;
    GcpWorld w;
    CloudProvider p;

    @BeforeEach
    void world() throws Exception {
        w = new GcpWorld(tmp, "n2-standard-4");
        w.windowsVm("win1", "broken");
        p = w.connect("--instance", "win1").provider();
    }

    @AfterEach
    void close() throws Exception {
        w.close();
    }

    private Kind kind(Runnable r) {
        return assertThrows(CloudException.class, r::run).kind();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(w.api.endpoint() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void unknownMembersLicencesAndUpperCaseLabelsAreRefused() throws Exception {
        String disks = "/compute/v1/projects/" + GcpWorld.PROJECT + "/zones/" + ZONE + "/disks";
        HttpResponse<String> r = post(disks, "{\"name\":\"d1\",\"treatFailureAsDeploymentFailure\":true}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("Unknown name \\\"treatFailureAsDeploymentFailure\\\""), r.body());
        assertEquals(400, post(disks, "{\"name\":\"d1\",\"licenses\":[\"x\"]}").statusCode());
        assertEquals(400, post(disks, "{\"name\":\"d1\",\"labels\":{\"Run\":\"x\"}}").statusCode());
        assertEquals(400, post(disks, "{\"name\":\"d1\",\"diskEncryptionKey\":{\"kmsKeyName\":\"k\",\"sha\":\"x\"}}").statusCode());
    }

    @Test
    void namesOverSixtyThreeCharactersOrNotRfc1035AreRefusedAndFatal() {
        assertEquals(Kind.FATAL, kind(() -> p.createSnapshot(ZONE + "/win1", "s".repeat(64), Map.of())));
        assertEquals(Kind.FATAL, kind(() -> p.createSnapshot(ZONE + "/win1", "Bm-snap", Map.of())));
        assertEquals(63, p.maxNameLength());
    }

    @Test
    void eachRefusalIsTheEnginesKind() {
        p.createSnapshot(ZONE + "/win1", "bm-s1", Map.of("bootmedic-run", "abcd1234"));
        assertEquals(Kind.ALREADY_EXISTS, kind(() -> p.createSnapshot(ZONE + "/win1", "bm-s1", Map.of())));
        assertEquals(Kind.NOT_FOUND, kind(() -> p.describeDisk(ZONE + "/nope")));
        assertTrue(p.findDisk("nope").isEmpty());
        w.s.throttleNext = 1;
        assertEquals(Kind.THROTTLED, kind(() -> p.describeVm(ZONE + "/win1")), "403 rateLimitExceeded");
        w.s.throttleNext = 1;
        w.s.throttleStatus = 429;
        assertEquals(Kind.THROTTLED, kind(() -> p.describeVm(ZONE + "/win1")), "429");
        assertEquals(Kind.CONFLICT, kind(() -> p.attachDisk(ZONE + "/win1", ZONE + "/" + GcpWorld.WORKER, "bootmedic-1")), "a disk in use");
        assertEquals(Kind.CONFLICT, kind(() -> p.setBootDisk(ZONE + "/win1", ZONE + "/" + GcpWorld.WORKER)), "a running VM's boot disk");
    }

    @Test
    void theVmsUniqueIdIsItsNumericIdNotItsName() {
        var refs = p.discover();
        assertEquals(1, refs.size());
        assertEquals(w.uid("win1"), refs.get(0).uid());
        assertTrue(refs.get(0).uid().matches("[0-9]{19}"), refs.get(0).uid());
        assertEquals(ZONE + "/win1", refs.get(0).id());
    }
}
