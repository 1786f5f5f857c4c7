package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.keys.KeyFileReader;
import io.bootmedic.testutil.Hostile;

/** Key exports from people in a hurry: each shape on its own, so each parser gets the whole budget. */
class KeyFileFuzzTest {
    @FuzzTest(maxDuration = "45s")
    void ldif(byte[] data) {
        Hostile.parseOrRefuse(() -> KeyFileReader.read(data, "fuzz.ldf", KeyFileReader.Shape.LDIF));
    }

    @FuzzTest(maxDuration = "45s")
    void csv(byte[] data) {
        Hostile.parseOrRefuse(() -> KeyFileReader.read(data, "fuzz.csv", KeyFileReader.Shape.CSV));
    }

    @FuzzTest(maxDuration = "45s")
    void graphJson(byte[] data) {
        Hostile.parseOrRefuse(() -> KeyFileReader.read(data, "fuzz.json", KeyFileReader.Shape.GRAPH_JSON));
    }
}
