package io.bootmedic.cloud.engine;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** A journal in memory, for the simulations: the same bytes and the same strict reading as a file, without the fsync. */
public final class MemoryJournalStore implements JournalStore {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public String name() {
        return "(memory journal)";
    }

    @Override
    public byte[] readAll() {
        return bytes.toByteArray();
    }

    @Override
    public void append(byte[] line) {
        bytes.write(line, 0, line.length);
    }

    @Override
    public void truncate(long length) {
        byte[] kept = Arrays.copyOf(bytes.toByteArray(), (int) length);
        bytes.reset();
        bytes.write(kept, 0, kept.length);
    }
}
