package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.Armed;
import io.bootmedic.collector.Readiness;
import io.bootmedic.collector.http.StrictJson;
import io.bootmedic.collector.store.ReadinessStore;
import io.bootmedic.testutil.Hostile;

import java.util.Set;

/** What {@code bootmedic readiness} posts to the collector: the strict body check, the reader, then what the Armed page computes from it. */
class ReadinessFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void readiness(byte[] body) {
        Hostile.parseOrRefuse(() -> {
            StrictJson.check(body);
            Readiness r = Readiness.parse(body);
            Armed.reasons(r, "1.0.0", Set.of("0123456789abcdef"));
            Armed.lowOnSpace(r);
            ReadinessStore.machineId(r);
        });
    }
}
