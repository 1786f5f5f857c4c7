package io.bootmedic.diagnosis;

import io.bootmedic.format.LeBytes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * Random access to a dump file in small checked pieces: a MEMORY.DMP can be tens of gigabytes, so nothing is read
 * whole, and every offset and length taken from the file is checked against its size before any byte is read or
 * any buffer allocated.
 */
public final class DumpBytes {
    /** The largest piece read at once: above any header, stream directory or driver list bootmedic reads. */
    public static final int MAX_READ = 1 << 20;

    @FunctionalInterface
    private interface Source {
        void readFully(long offset, ByteBuffer into) throws IOException;
    }

    private final String name;
    private final long size;
    private final Source source;

    private DumpBytes(String name, long size, Source source) {
        this.name = name;
        this.size = size;
        this.source = source;
    }

    /** A dump held in memory (tests, fuzzing). */
    public static DumpBytes of(byte[] data, String name) {
        return new DumpBytes(name, data.length, (offset, into) -> into.put(data, (int) offset, into.remaining()));
    }

    /** A dump on a volume: {@code size} as the directory entry gives it; reads stop short with a refusal if the file is shorter. */
    public static DumpBytes of(SeekableByteChannel channel, long size, String name) {
        return new DumpBytes(name, size, (offset, into) -> {
            channel.position(offset);
            while (into.hasRemaining()) {
                if (channel.read(into) < 0) {
                    throw new DumpFormatException(name + " ended at fewer bytes than its directory entry's " + size);
                }
            }
        });
    }

    public String name() {
        return name;
    }

    public long size() {
        return size;
    }

    /** {@code length} bytes at {@code offset}, or a refusal naming {@code what} when they do not lie inside the file. */
    public LeBytes read(long offset, long length, String what) throws IOException {
        if (length < 0 || length > MAX_READ) {
            throw new DumpFormatException(name + ": the " + what + " would be " + length + " bytes, more than the " + MAX_READ
                    + " bootmedic reads at once; the header is damaged");
        }
        if (offset < 0 || offset > size - length) {
            throw new DumpFormatException(name + ": the " + what + " (" + length + " bytes at offset " + Long.toUnsignedString(offset)
                    + ") lies past the end of the file (" + size + " bytes); the dump is damaged or was cut short");
        }
        ByteBuffer b = ByteBuffer.allocate((int) length);
        source.readFully(offset, b);
        return LeBytes.of(b.array(), name + " " + what);
    }
}
