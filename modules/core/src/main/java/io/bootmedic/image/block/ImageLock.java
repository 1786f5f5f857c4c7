package io.bootmedic.image.block;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Structure;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a running VM and bootmedic from writing one image at once, by QEMU's own image-locking
 * protocol (block/file-posix.c): open-file-description byte-range locks, a shared lock on byte
 * 100+i for each permission i a user holds (0 consistent read, 1 write, 2 write-unchanged,
 * 3 resize) and on byte 200+i for each it does not share with others. A writer of bootmedic holds
 * all four and shares none, so it conflicts with any qemu, qemu-img or libvirt guest that has the
 * image open, on this host and on shared storage that honours locks (NFS, GFS2, Lustre).
 *
 * <p>OFD locks belong to this lock's own descriptor: unlike POSIX record locks (Java's
 * FileChannel.lock) they are not dropped when some other descriptor of the same file is closed
 * in this process. A block device is also opened with O_EXCL, which Linux refuses while the
 * device is mounted or claimed by another exclusive user (a guest's disk in the kernel, LVM, md).
 */
public final class ImageLock implements Closeable {
    private static final int PERM_BASE = 100, SHARED_BASE = 200, PERMS = 4;
    private static final int F_OFD_GETLK = 36, F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
    private static final int O_RDONLY = 0, O_EXCL = 0200, O_CLOEXEC = 02000000;
    private static final int EBUSY = 16, EINVAL = 22;

    private int fd;

    private ImageLock(int fd) {
        this.fd = fd;
    }

    /** The C library calls the lock needs, nothing more. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int fcntl(int fd, int cmd, Flock lock) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /** struct flock (the same layout on every 64-bit Linux). */
    @Structure.FieldOrder({"l_type", "l_whence", "l_start", "l_len", "l_pid"})
    public static final class Flock extends Structure {
        public short l_type;
        public short l_whence;
        public long l_start;
        public long l_len;
        public int l_pid;
    }

    private static final class Holder {
        static final LibC C = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
    }

    /**
     * Locks {@code path} for writing, or refuses with a message that says who holds it. Off Linux
     * (WinPE runs on live volumes, never images) there is nothing to lock: returns a no-op lock.
     */
    public static ImageLock forWriting(Path path) throws IOException {
        if (!Platform.isLinux()) {
            return new ImageLock(-1);
        }
        boolean device = !Files.isRegularFile(path);
        int fd;
        try {
            fd = Holder.C.open(path.toString(), O_RDONLY | O_CLOEXEC | (device ? O_EXCL : 0));
        } catch (LastErrorException e) {
            if (device && e.getErrorCode() == EBUSY) {
                throw new ImageInUseException(path + " is in use (mounted, or claimed by a running VM, LVM or RAID): unmount it or stop"
                        + " whatever holds it, then run bootmedic again; nothing was written");
            }
            throw new IOException(path + " cannot be opened to lock it (" + errno(e) + "); nothing was written");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IOException(path + " cannot be locked: the C library could not be loaded (" + e.getMessage() + "); nothing was written");
        }
        ImageLock lock = new ImageLock(fd);
        try {
            for (int i = 0; i < PERMS; i++) {
                lock.set(PERM_BASE + i, F_RDLCK, path);
                lock.set(SHARED_BASE + i, F_RDLCK, path);
            }
            // qemu's check: nobody else may hold a permission we do not share, nor refuse to share one we hold
            for (int i = 0; i < PERMS; i++) {
                if (lock.heldByOther(PERM_BASE + i, path) || lock.heldByOther(SHARED_BASE + i, path)) {
                    throw inUse(path);
                }
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static ImageInUseException inUse(Path path) {
        return new ImageInUseException(path + " is in use by a running VM (qemu holds its lock): shut the VM down ('virsh shutdown NAME',"
                + " 'qm stop ID' or power it off) and run bootmedic again; nothing was written");
    }

    /** One byte at {@code at}, of lock type {@code type}. */
    private static Flock oneByte(long at, short type) {
        Flock f = new Flock();
        f.l_type = type;
        f.l_start = at;
        f.l_len = 1;
        return f;
    }

    private void set(long at, short type, Path path) throws IOException {
        Flock f = oneByte(at, type);
        try {
            Holder.C.fcntl(fd, F_OFD_SETLK, f);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EINVAL) {
                throw new IOException(path + " cannot be locked on this system (no open-file-description locks): bootmedic writes only"
                        + " images it can lock; copy it to a local disk first. Nothing was written");
            }
            if (type != F_UNLCK) {
                throw inUse(path); // EAGAIN/EACCES: someone holds an exclusive lock on the byte
            }
        }
    }

    /** Whether another open file (any process, this one included) holds a lock that a write lock on {@code at} would meet. */
    private boolean heldByOther(long at, Path path) throws IOException {
        Flock f = oneByte(at, F_WRLCK);
        try {
            Holder.C.fcntl(fd, F_OFD_GETLK, f);
        } catch (LastErrorException e) {
            throw new IOException(path + " cannot be locked (" + errno(e) + "); nothing was written");
        }
        return f.l_type != F_UNLCK;
    }

    private static String errno(LastErrorException e) {
        return switch (e.getErrorCode()) {
            case 1, 13 -> "permission denied";
            case 2 -> "no such file";
            case 37 -> "no locks available";
            default -> "error " + e.getErrorCode();
        };
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                Holder.C.close(fd);
            } catch (LastErrorException e) {
                // closing a descriptor only we used: the locks go with it either way
            }
            fd = -1;
        }
    }

    /** The image is held by someone else; nothing was written. Exit 2. */
    public static final class ImageInUseException extends ImageFormatException {
        public ImageInUseException(String message) {
            super(message);
        }
    }
}
