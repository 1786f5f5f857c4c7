package io.bootmedic.bench;

import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Unlocker;
import io.bootmedic.image.FileBlockDevice;
import io.bootmedic.keys.RecoveryPassword;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Figures for scripts/bench/bitlocker.sh: recovery-password unlock time (median of 5) and decrypt
 * throughput of the sector layer over a whole volume, read 1 MiB at a time (median of 5 passes).
 * Usage: BitLockerBench IMAGE RECOVERY_PASSWORD
 */
public final class BitLockerBench {
    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        RecoveryPassword rp = RecoveryPassword.parse(args[1]);
        try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            long[] unlock = new long[5];
            Unlocker.Unlocked u = null;
            for (int i = 0; i < unlock.length; i++) {
                long t = System.nanoTime();
                u = Unlocker.withRecoveryPassword(md, rp);
                unlock[i] = System.nanoTime() - t;
            }
            java.util.Arrays.sort(unlock);
            System.out.printf("bootmedic unlock (recovery password, %s): median %.0f ms%n", md.methodName(), unlock[2] / 1e6);
            BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, u.fvek());
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            double[] mbps = new double[5];
            for (int pass = 0; pass < mbps.length; pass++) {
                long t = System.nanoTime();
                for (long off = 0; off < plain.size(); off += buf.capacity()) {
                    buf.clear().limit((int) Math.min(buf.capacity(), plain.size() - off));
                    plain.read(off, buf);
                }
                mbps[pass] = plain.size() / 1e6 / ((System.nanoTime() - t) / 1e9);
            }
            java.util.Arrays.sort(mbps);
            System.out.printf("bootmedic decrypt (%s, file in page cache): median %.0f MB/s%n", md.methodName(), mbps[2]);
        }
    }
}
