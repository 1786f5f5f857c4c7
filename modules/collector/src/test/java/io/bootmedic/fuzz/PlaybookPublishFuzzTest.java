package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.http.PublishRequest;
import io.bootmedic.collector.store.PlaybookScope;
import io.bootmedic.testutil.Hostile;

import java.util.Map;

/** The body of a playbook publish (admin token): the request reader, its scope, and a scope match. */
class PlaybookPublishFuzzTest {
    private static final PlaybookScope.Asker ASKER = new PlaybookScope.Asker("PC-0001", "SN-1", "vm-1", Map.of("site", "berlin"));

    @FuzzTest(maxDuration = "45s")
    void publish(byte[] body) {
        Hostile.parseOrRefuse(() -> {
            PublishRequest r = PublishRequest.parse(body);
            r.scope().matches(ASKER);
            r.scope().toJson();
        });
    }
}
