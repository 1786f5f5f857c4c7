package io.bootmedic.util;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** Reads a file once for its SHA-256, its size and its first bytes. */
public final class Sha256 {
    private Sha256() {
    }

    /** What one pass over a file tells. */
    public record Digest(String sha256, long size, byte[] head) {
    }

    public static Digest of(FileTree tree, RelPath file, int headLength) throws IOException {
        MessageDigest md = newDigest();
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
        return new Digest(HexFormat.of().formatHex(md.digest()), size, Arrays.copyOf(head, headFilled));
    }

    public static String of(byte[] data) {
        return HexFormat.of().formatHex(newDigest().digest(data));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-256", e);
        }
    }
}
