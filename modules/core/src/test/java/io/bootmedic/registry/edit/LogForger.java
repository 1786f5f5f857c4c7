package io.bootmedic.registry.edit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Makes a mutated log self-consistent as a forger would (base block checksum, every entry's two hashes), so fuzzing reaches past the hash checks (tests only). */
public final class LogForger {
    private LogForger() {
    }

    public static byte[] consistent(byte[] log) {
        byte[] out = log.clone();
        if (out.length < 512) {
            return out;
        }
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int sum = 0;
        for (int i = 0; i < 508; i += 4) {
            sum ^= b.getInt(i);
        }
        b.putInt(508, sum == 0 ? 1 : sum == -1 ? -2 : sum);
        for (long off = 512; off + 40 <= out.length && b.getInt((int) off) == 0x454C7648;) {
            long size = b.getInt((int) off + 4) & 0xFFFFFFFFL;
            if (size < 40 || size % 512 != 0 || size > out.length - off) {
                break;
            }
            int e = (int) off;
            b.putLong(e + 24, Marvin32.hash(out, e + 40, (int) size - 40, Marvin32.REGISTRY_SEED));
            b.putLong(e + 32, Marvin32.hash(out, e, 32, Marvin32.REGISTRY_SEED));
            off += size;
        }
        return out;
    }
}
