package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.collector.client.ServedPlaybook;
import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.playbook.SigningKey;
import io.bootmedic.playbook.VerifyingKey;
import io.bootmedic.testutil.Hostile;

import java.util.List;

/**
 * What a collector (or whoever answers in its place) serves an agent as its active playbooks:
 * the answer reader, then the agent's own verification of each entry, as the agent runs them.
 */
class ActivePlaybooksFuzzTest {
    private static final List<VerifyingKey> TRUSTED = List.of(SigningKey.generate().verifyingKey());

    @FuzzTest(maxDuration = "45s")
    void answer(byte[] body) {
        Hostile.parseOrRefuse(() -> {
            for (ServedPlaybook p : ServedPlaybook.parseAnswer(body)) {
                Hostile.parseOrRefuse(() -> PublishedPlaybook.verify(p.publication(), p.playbook(), p.signature(), TRUSTED));
            }
        });
    }
}
