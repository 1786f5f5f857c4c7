package io.bootmedic.testutil;

import io.bootmedic.image.block.BlockDevice;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

/** SHA-256 of everything a block device presents, read 1 MiB at a time. */
public final class DeviceHash {
    private DeviceHash() {
    }

    public static String sha256(BlockDevice d) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long off = 0; off < d.size(); off += buf.capacity()) {
            buf.clear().limit((int) Math.min(buf.capacity(), d.size() - off));
            d.read(off, buf);
            buf.flip();
            md.update(buf);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
