package io.bootmedic.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/** A small file read whole from a volume (a hive, its log, a BCD store): a regular file only, its size bounded first. */
public final class FileContents {
    private FileContents() {
    }

    /**
     * @param max  the largest size accepted
     * @param what what such a file is, for the refusal ("a hive")
     */
    public static byte[] read(FileTree tree, RelPath file, long max, String what) throws IOException {
        FileStat st = tree.stat(file).orElseThrow(() -> new IOException(file + " vanished"));
        if (!st.isFile()) {
            throw new UnsafePathException(file + " on " + tree.describe() + " is not a regular file; bootmedic does not follow links");
        }
        if (st.size() > max) {
            throw new IOException(file + " is " + st.size() + " bytes, more than the " + max + " " + what + " can be");
        }
        byte[] out = new byte[(int) st.size()];
        try (SeekableByteChannel ch = tree.openRead(file)) {
            ByteBuffer b = ByteBuffer.wrap(out);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new IOException(file + " ended before its " + st.size() + " bytes");
                }
            }
        }
        return out;
    }
}
