package io.bootmedic.fs;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.util.Sha256;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * What one pass over a file in a {@link FileTree} tells: its SHA-256, its size and its first bytes.
 * Lives next to FileTree (not in util) so that util stays free of the file-tree layer.
 */
public record FileDigest(String sha256, long size, byte[] head) {

    /**
     * Reads {@code file} once. A file that cannot be read is an IOException saying which file on
     * which volume and why in words ("permission denied"), not the JDK's bare path.
     */
    public static FileDigest of(FileTree tree, RelPath file, int headLength) throws IOException {
        try {
            return read(tree, file, headLength);
        } catch (UnsafePathException e) {
            throw e; // already a sentence naming the path
        } catch (IOException e) {
            throw new IOException("cannot read " + file + " on " + tree.describe() + ": " + ErrorWords.reason(e)
                    + (e instanceof AccessDeniedException ? " (run bootmedic as Administrator or root, or check the file's permissions)" : ""), e);
        }
    }

    private static FileDigest read(FileTree tree, RelPath file, int headLength) throws IOException {
        MessageDigest md = Sha256.newDigest();
        byte[] head = new byte[headLength];
        int headFilled = 0;
        long size = 0;
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try (SeekableByteChannel ch = tree.openRead(file)) {
            int n;
            while ((n = ch.read(buf)) >= 0) {
                if (n == 0) {
                    continue;
                }
                buf.flip();
                if (headFilled < headLength) {
                    int take = Math.min(headLength - headFilled, buf.remaining());
                    buf.duplicate().get(head, headFilled, take);
                    headFilled += take;
                }
                size += buf.remaining();
                md.update(buf);
                buf.clear();
            }
        }
        return new FileDigest(Sha256.hex(md), size, Arrays.copyOf(head, headFilled));
    }

    /** The SHA-256 alone. */
    public static String sha256(FileTree tree, RelPath file) throws IOException {
        return of(tree, file, 0).sha256();
    }
}
