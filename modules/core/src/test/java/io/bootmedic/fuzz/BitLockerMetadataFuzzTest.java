package io.bootmedic.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;

import java.nio.ByteBuffer;

class BitLockerMetadataFuzzTest {
    /**
     * Bytes 0-511 are the volume header; the next 64 KiB (or fewer) are one FVE metadata area, stored
     * at all three copies' places; anything after that goes to {@link #EOW_AREA} (the encrypt-on-write
     * information and bitmaps). Seeds are volumes made by BitLockerVolumeBuilder, cut to these parts.
     * Beyond parsing, an accepted volume is opened with a stand-in key and its first sectors are read.
     */
    @FuzzTest(maxDuration = "60s")
    void volume(byte[] input) {
        byte[] disk = FuzzLayout.layOut(input);
        MemoryBlockDevice dev = new MemoryBlockDevice(disk);
        Hostile.parseOrRefuse(() -> {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            md.stateDescription(dev.size());
            BitLockerBlockDevice plain = md.decrypted() ? BitLockerBlockDevice.decrypted(dev, md) : new BitLockerBlockDevice(dev, md, new byte[64]);
            plain.read(0, ByteBuffer.allocate(8192));
        });
    }
}
