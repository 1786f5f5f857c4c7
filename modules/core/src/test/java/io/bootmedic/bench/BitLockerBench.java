package io.bootmedic.bench;

import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Unlocker;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.keys.RecoveryPassword;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;

/**
 * In-process figures for scripts/bench/bitlocker.sh (the JVM already running; the script measures
 * whole processes beside them): recovery-password unlock time (median of 5), then for
 * each volume the sector layer's decrypt (read) and encrypt (write) throughput over the whole
 * volume, 1 MiB per call, file in the page cache: 3 warm-up passes (the JIT compiles the hot
 * loops), then the median and best of 7 timed passes. The raw file read is shown as the ceiling.
 * Writes go to a copy of the volume and skip the 1 MiB pieces that touch BitLocker's own areas.
 * Usage: BitLockerBench [--unlock-only] IMAGE RECOVERY_PASSWORD [IMAGE PASSWORD]...
 */
public final class BitLockerBench {
    private static final int WARMUP = 3;
    private static final int PASSES = 7;

    public static void main(String[] args) throws Exception {
        boolean unlockOnly = args.length > 0 && args[0].equals("--unlock-only");
        int first = unlockOnly ? 1 : 0;
        for (int i = first; i + 1 < args.length; i += 2) {
            bench(Path.of(args[i]), args[i + 1], i == first, unlockOnly);
        }
    }

    private static void bench(Path image, String credential, boolean unlockTiming, boolean unlockOnly) throws Exception {
        Path copy = Files.createTempFile(image.getParent(), "bench-", ".img");
        try {
            // the copy keeps its holes only where the file system makes them; the content is what matters
            Files.copy(image, copy, StandardCopyOption.REPLACE_EXISTING);
            try (FileBlockDevice dev = FileBlockDevice.open(copy, true)) {
                BitLockerMetadata md = BitLockerMetadata.read(dev);
                Unlocker.Unlocked u = null;
                if (unlockTiming) {
                    RecoveryPassword rp = RecoveryPassword.parse(credential);
                    long[] unlock = new long[5];
                    for (int i = 0; i < unlock.length; i++) {
                        long t = System.nanoTime();
                        u = Unlocker.withRecoveryPassword(md, rp);
                        unlock[i] = System.nanoTime() - t;
                    }
                    Arrays.sort(unlock);
                    System.out.printf("bootmedic unlock, in-process (recovery password, %s; key stretching, VMK and FVEK, no JVM start): median %.0f ms%n",
                            md.methodName(), unlock[2] / 1e6);
                } else {
                    u = Unlocker.withPassword(md, credential.toCharArray());
                }
                if (unlockOnly) {
                    return;
                }
                BitLockerBlockDevice plain = new BitLockerBlockDevice(dev, md, u.fvek());
                String name = md.methodName();
                report("raw file read (ceiling)     ", name, passes(() -> readAll(dev)), dev.size());
                report("bootmedic decrypt (read)    ", name, passes(() -> readAll(plain)), plain.size());
                byte[] payload = new byte[1 << 20];
                new Random(1).nextBytes(payload);
                long[] written = new long[1];
                double[] w = passes(() -> written[0] = writeAll(plain, md, payload));
                report("bootmedic encrypt (write)   ", name, w, written[0]);
                // what was written reads back
                ByteBuffer back = ByteBuffer.allocate(payload.length);
                long probe = firstWritable(plain, md);
                plain.read(probe, back);
                if (!Arrays.equals(back.array(), payload)) {
                    throw new AssertionError("the bytes written at " + probe + " do not read back");
                }
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    private interface Pass {
        void run() throws Exception;
    }

    /** Seconds of each timed pass, after the warm-up passes. */
    private static double[] passes(Pass p) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            p.run();
        }
        double[] s = new double[PASSES];
        for (int i = 0; i < PASSES; i++) {
            long t = System.nanoTime();
            p.run();
            s[i] = (System.nanoTime() - t) / 1e9;
        }
        Arrays.sort(s);
        return s;
    }

    private static void report(String what, String method, double[] seconds, long bytes) {
        System.out.printf("%s %-34s median %5.0f MB/s, best %5.0f MB/s%n", what, "(" + method + "):",
                bytes / 1e6 / seconds[PASSES / 2], bytes / 1e6 / seconds[0]);
    }

    private static void readAll(BlockDevice d) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long off = 0; off < d.size(); off += buf.capacity()) {
            buf.clear().limit((int) Math.min(buf.capacity(), d.size() - off));
            d.read(off, buf);
        }
    }

    /** Writes the payload over every 1 MiB piece that BitLocker's metadata and relocated header leave alone; returns the bytes written. */
    private static long writeAll(BlockDevice d, BitLockerMetadata md, byte[] payload) throws Exception {
        long total = 0;
        for (long off = 0; off + payload.length <= d.size(); off += payload.length) {
            if (writable(md, off, payload.length)) {
                d.write(off, ByteBuffer.wrap(payload));
                total += payload.length;
            }
        }
        return total;
    }

    private static long firstWritable(BlockDevice d, BitLockerMetadata md) {
        for (long off = 0; off + (1 << 20) <= d.size(); off += 1 << 20) {
            if (writable(md, off, 1 << 20)) {
                return off;
            }
        }
        throw new IllegalStateException("no writable piece");
    }

    private static boolean writable(BitLockerMetadata md, long off, int length) {
        for (long m : md.metadataOffsets) {
            if (off < m + 64 * 1024 && m < off + length) {
                return false;
            }
        }
        long headerSize = md.headerSize > 0 ? md.headerSize : 8192;
        return !(off < md.headerOffset + headerSize && md.headerOffset < off + length);
    }
}
