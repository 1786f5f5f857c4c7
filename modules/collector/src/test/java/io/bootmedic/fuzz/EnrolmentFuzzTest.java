package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.Enrolment;
import io.bootmedic.collector.http.StrictJson;
import io.bootmedic.collector.store.MachineTokens;
import io.bootmedic.testutil.Hostile;

/** What an arming machine posts to {@code /api/v1/enrol}: the strict body check, the reader, then the machine id the collector derives. */
class EnrolmentFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void enrolment(byte[] body) {
        Hostile.parseOrRefuse(() -> {
            StrictJson.check(body);
            Enrolment e = Enrolment.parse(body);
            MachineTokens.machineId(e.computerName(), e.biosSerial(), e.vmId());
            e.toJson();
        });
    }
}
