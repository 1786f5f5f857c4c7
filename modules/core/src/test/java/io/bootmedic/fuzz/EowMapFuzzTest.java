package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerFormatException;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.testutil.MemoryBlockDevice;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The encrypt-on-write (used-space-only conversion) map alone: a fixed, well-formed volume header
 * and metadata (those of the {@code encrypt-on-write} seed of {@link BitLockerMetadataFuzzTest},
 * whose header puts the two FVE-EOW copies at {@link FuzzLayout#EOW_AREA} and 4 KiB after it),
 * and the input from {@link FuzzLayout#EOW_AREA} to the end of the 1 MiB volume. The seeds are
 * maps in Windows' layout, and ones to refuse, made by EowMapMutationTest#fuzzSeedsAreTheBuildersMaps.
 *
 * <p>Passing means: a refused map is a one-line message and the volume does not open; an accepted
 * map opens the volume, which then reads from its first byte to its last (every stored byte it
 * touches lies in a region: nothing is found wrong later, after a write could have begun).
 * The seeds are 34 KiB, longer than libFuzzer's default -max_len of 4096: fuzz with
 * {@code FUZZ_MAX_LEN=40000 scripts/bench/fuzz.sh 300 EowMapFuzzTest}.
 */
class EowMapFuzzTest {
    private static final byte[] PREFIX = prefix();
    private static final int ROOM = FuzzLayout.VOLUME - FuzzLayout.EOW_AREA;

    private static byte[] prefix() {
        try (InputStream in = EowMapFuzzTest.class.getResourceAsStream("BitLockerMetadataFuzzTestInputs/volume/encrypt-on-write")) {
            if (in == null) {
                throw new IllegalStateException("the encrypt-on-write seed of BitLockerMetadataFuzzTest is missing from the test resources");
            }
            return Arrays.copyOf(in.readAllBytes(), 512 + 0x10000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void map(byte[] input) throws IOException {
        byte[] laidOut = Arrays.copyOf(PREFIX, PREFIX.length + Math.min(input.length, ROOM));
        System.arraycopy(input, 0, laidOut, PREFIX.length, laidOut.length - PREFIX.length);
        MemoryBlockDevice dev = new MemoryBlockDevice(FuzzLayout.layOut(laidOut));
        BitLockerMetadata md = BitLockerMetadata.read(dev); // the header and metadata are fixed and whole: any error is a finding
        if (!md.conversionInProgress) {
            throw new AssertionError("the fixed header lost its encrypt-on-write identifier");
        }
        md.stateDescription(dev.size());
        if (md.eow == null) {
            oneLine(md.eowProblem);
            try {
                new BitLockerBlockDevice(dev, md, new byte[64]);
            } catch (BitLockerFormatException e) {
                oneLine(e.getMessage());
                return;
            }
            throw new AssertionError("a volume whose map was refused opened: " + md.eowProblem);
        }
        BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, new byte[64]);
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        for (long at = 0; at < plain.size(); at += buf.capacity()) {
            buf.clear().limit((int) Math.min(buf.capacity(), plain.size() - at));
            plain.read(at, buf);
        }
    }

    private static void oneLine(String message) {
        if (message == null || message.isBlank() || message.contains("\n") || message.contains("\r") || message.length() > 2000) {
            throw new AssertionError("not one line for a person to read: " + message);
        }
    }
}
