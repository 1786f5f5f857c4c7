package io.bootmedic.image.qcow2;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps a running qemu and bootmedic from writing one qcow2 at the same time. qemu (file-posix)
 * takes shared byte-range locks on an image it has open: byte 101 while it may write, byte 201
 * while it forbids others to. bootmedic takes both exclusively for as long as it writes, so a VM
 * that is still running (even one stuck in a boot loop) makes it refuse, and a VM started
 * meanwhile cannot get its write lock. POSIX and qemu's open-file-description locks conflict.
 */
final class Qcow2InUse implements Closeable {
    private static final long WRITE_PERM = 101, WRITE_UNSHARED = 201;
    private final FileChannel channel;

    private Qcow2InUse(FileChannel channel) {
        this.channel = channel;
    }

    static Qcow2InUse lock(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean locked = false;
        try {
            FileLock write = channel.tryLock(WRITE_PERM, 1, false);
            FileLock unshared = write == null ? null : channel.tryLock(WRITE_UNSHARED, 1, false);
            locked = unshared != null;
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new Qcow2Exception(path + " is already open for writing in this bootmedic process");
        } finally {
            if (!locked && channel.isOpen()) {
                channel.close();
            }
        }
        if (!locked) {
            throw new Qcow2Exception(path + " is in use by qemu (a running VM or qemu-img holds its write lock): stop the VM first"
                    + " ('virsh destroy NAME', 'qm stop ID' or power it off) and run bootmedic again; nothing was written");
        }
        return new Qcow2InUse(channel);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
