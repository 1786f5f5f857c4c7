package io.bootmedic.diagnosis;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The fuzz target's seeds are the mutation tests' samples, byte for byte (so they are what their names say). To
 * write them again after a change to DumpWriter, run this test once with -Dbootmedic.writeSeeds=true (tests run from
 * the repository root), then again without it.
 */
class CrashDumpSeedsTest {
    static final String DIR = "/io/bootmedic/fuzz/CrashDumpFuzzTestInputs/dump/";
    static final List<String> LAYOUTS = List.of("triage64", "triage32", "minidump");

    @Test
    void theSeedsAreTheSamples() throws IOException {
        if (Boolean.getBoolean("bootmedic.writeSeeds")) {
            for (String layout : LAYOUTS) {
                Path p = Path.of("modules/core/src/test/resources" + DIR + layout);
                Files.createDirectories(p.getParent());
                Files.write(p, CrashDumpMutationTest.sample(layout));
            }
        }
        for (String layout : LAYOUTS) {
            try (InputStream in = getClass().getResourceAsStream(DIR + layout)) {
                assertNotNull(in, layout);
                assertArrayEquals(CrashDumpMutationTest.sample(layout), in.readAllBytes(), layout);
            }
        }
    }
}
