package io.bootmedic.ntfs;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A {@code struct ntfs_device_operations} whose callbacks read and write a Java {@link BlockDevice},
 * so libntfs-3g works on images, partitions and decrypted BitLocker volumes without root or FUSE.
 * A Java exception in a callback becomes an I/O error (-1, errno EIO) for the library; it never
 * unwinds through C.
 */
final class DeviceBridge {
    private static final int EIO = 5;
    private static final int EINVAL = 22;
    private static final int ENOTTY = 25;
    private static final int EROFS = 30;
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    /** ntfs_device.d_state bit numbers (device.h). */
    private static final long ND_OPEN = 1L;
    private static final long ND_READ_ONLY = 1L << 1;
    /** Offset of d_state in struct ntfs_device: after the d_ops pointer. */
    static final long D_STATE_OFFSET = Native.POINTER_SIZE;

    private final BlockDevice device;
    private final Ops ops = new Ops();
    private long position;
    /** The first failure a callback hid from the library, for a clear message afterwards. */
    private volatile IOException firstError;

    DeviceBridge(BlockDevice device) {
        this.device = device;
        ops.open = (dev, flags) -> {
            boolean readOnly = (flags & O_ACCMODE) == O_RDONLY;
            if (!readOnly && device.isReadOnly()) {
                Native.setLastError(EROFS);
                return -1;
            }
            long state = dev.getNativeLong(D_STATE_OFFSET).longValue() | ND_OPEN;
            state = readOnly ? state | ND_READ_ONLY : state & ~ND_READ_ONLY;
            dev.setNativeLong(D_STATE_OFFSET, new NativeLong(state));
            position = 0;
            return 0;
        };
        ops.close = dev -> {
            dev.setNativeLong(D_STATE_OFFSET, new NativeLong(dev.getNativeLong(D_STATE_OFFSET).longValue() & ~ND_OPEN));
            return 0;
        };
        ops.seek = (dev, offset, whence) -> {
            long base = switch (whence) {
                case 0 -> 0;
                case 1 -> position;
                case 2 -> device.size();
                default -> -1;
            };
            if (base < 0 || base + offset < 0) {
                Native.setLastError(EINVAL);
                return -1;
            }
            position = base + offset;
            return position;
        };
        ops.read = (dev, buf, count) -> {
            long n = pread(buf, count, position);
            if (n > 0) {
                position += n;
            }
            return n;
        };
        ops.write = (dev, buf, count) -> {
            long n = pwrite(buf, count, position);
            if (n > 0) {
                position += n;
            }
            return n;
        };
        ops.pread = (dev, buf, count, offset) -> pread(buf, count, offset);
        ops.pwrite = (dev, buf, count, offset) -> pwrite(buf, count, offset);
        ops.sync = dev -> {
            try {
                device.flush();
                return 0;
            } catch (IOException | RuntimeException e) {
                return fail(e);
            }
        };
        ops.stat = (dev, st) -> {
            Native.setLastError(ENOTTY);
            return -1;
        };
        ops.ioctl = (dev, request, argp) -> {
            // no disk geometry or BLKGETSIZE for an image: libntfs-3g copes without
            Native.setLastError(ENOTTY);
            return -1;
        };
        ops.write();
    }

    Pointer ops() {
        return ops.getPointer();
    }

    IOException firstError() {
        return firstError;
    }

    private long pread(Pointer buf, long count, long offset) {
        try {
            if (count < 0 || offset < 0) {
                Native.setLastError(EINVAL);
                return -1;
            }
            long available = Math.max(0, Math.min(count, device.size() - offset));
            if (available == 0) {
                return 0;
            }
            ByteBuffer target = buf.getByteBuffer(0, available);
            device.read(offset, target);
            return available;
        } catch (IOException | RuntimeException e) {
            return fail(e);
        }
    }

    private long pwrite(Pointer buf, long count, long offset) {
        try {
            if (device.isReadOnly()) {
                Native.setLastError(EROFS);
                return -1;
            }
            if (count < 0 || offset < 0 || offset + count > device.size()) {
                Native.setLastError(EINVAL);
                return -1;
            }
            device.write(offset, buf.getByteBuffer(0, count));
            return count;
        } catch (IOException | RuntimeException e) {
            return fail(e);
        }
    }

    private int fail(Exception e) {
        if (firstError == null) {
            firstError = e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
        Native.setLastError(EIO);
        return -1;
    }

    /** struct ntfs_device_operations: ten function pointers, in the header's order. */
    public static final class Ops extends Structure {
        public OpenFn open;
        public CloseFn close;
        public SeekFn seek;
        public ReadFn read;
        public WriteFn write;
        public PreadFn pread;
        public PwriteFn pwrite;
        public SyncFn sync;
        public StatFn stat;
        public IoctlFn ioctl;

        @Override
        protected List<String> getFieldOrder() {
            return List.of("open", "close", "seek", "read", "write", "pread", "pwrite", "sync", "stat", "ioctl");
        }
    }

    public interface OpenFn extends Callback {
        int invoke(Pointer dev, int flags);
    }

    public interface CloseFn extends Callback {
        int invoke(Pointer dev);
    }

    public interface SeekFn extends Callback {
        long invoke(Pointer dev, long offset, int whence);
    }

    public interface ReadFn extends Callback {
        long invoke(Pointer dev, Pointer buf, long count);
    }

    public interface WriteFn extends Callback {
        long invoke(Pointer dev, Pointer buf, long count);
    }

    public interface PreadFn extends Callback {
        long invoke(Pointer dev, Pointer buf, long count, long offset);
    }

    public interface PwriteFn extends Callback {
        long invoke(Pointer dev, Pointer buf, long count, long offset);
    }

    public interface SyncFn extends Callback {
        int invoke(Pointer dev);
    }

    public interface StatFn extends Callback {
        int invoke(Pointer dev, Pointer st);
    }

    public interface IoctlFn extends Callback {
        int invoke(Pointer dev, NativeLong request, Pointer argp);
    }
}
