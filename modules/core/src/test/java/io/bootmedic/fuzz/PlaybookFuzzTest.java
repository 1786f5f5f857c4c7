package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.fs.RelPath;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.playbook.Rule;
import io.bootmedic.testutil.Hostile;

/** A playbook file, then each of its globs against names a disk could hold. */
class PlaybookFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void playbook(byte[] data) {
        Hostile.parseOrRefuse(() -> {
            Playbook p = PlaybookParser.parse(data, "fuzz.json");
            for (Rule r : p.rules()) {
                r.matchesName("C-00000291-00000000-00000032.sys");
                r.matchesName("a".repeat(200));
            }
        });
    }

    /** Any glob against any name: must answer (a linear matcher has no input that makes it hang). */
    @FuzzTest(maxDuration = "45s")
    void glob(FuzzedDataProvider data) {
        String glob = data.consumeString(300);
        String name = data.consumeRemainingAsString();
        new Rule("r", RelPath.of("Windows"), glob, new byte[0], null, null, Rule.Action.QUARANTINE).matchesName(name);
    }
}
