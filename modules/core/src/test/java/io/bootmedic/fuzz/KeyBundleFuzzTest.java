package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.keys.KeyBundle;
import io.bootmedic.testutil.Hostile;

/** A key bundle from a USB stick: the header's KDF parameters are bounded before Argon2 runs, whatever they say. */
class KeyBundleFuzzTest {
    /** The passphrase the seed bundles were made with, so mutations of the body reach the key list parser too. */
    static final char[] PASSPHRASE = "fuzz passphrase".toCharArray();

    @FuzzTest(maxDuration = "45s")
    void bundle(byte[] data) {
        Hostile.parseOrRefuse(() -> KeyBundle.open(data, "fuzz.bmk", PASSPHRASE.clone()));
    }
}
