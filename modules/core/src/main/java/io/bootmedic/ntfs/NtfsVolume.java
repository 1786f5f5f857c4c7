package io.bootmedic.ntfs;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.bootmedic.image.block.BlockDevice;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * An NTFS volume on a {@link BlockDevice}, through libntfs-3g. It is mounted read-only first to
 * learn its journal state, and read-write only when that is clean: a crashed or hibernated
 * Windows must replay its own log, and changing metadata under it could corrupt the volume.
 */
public final class NtfsVolume implements Closeable {
    private static final int EPERM = 1;
    private static final int EROFS = 30;
    private static final Object LOCK = new Object();
    private static volatile LibNtfs3g lib;
    private static volatile Pointer atUnnamed;

    private final BlockDevice device;
    private final DeviceBridge bridge;
    private final JournalState journalState;
    private final boolean readOnly;
    private Pointer volume;

    private NtfsVolume(BlockDevice device, DeviceBridge bridge, Pointer volume, JournalState state, boolean readOnly) {
        this.device = device;
        this.bridge = bridge;
        this.volume = volume;
        this.journalState = state;
        this.readOnly = readOnly;
    }

    static LibNtfs3g lib() {
        if (lib == null) {
            synchronized (LOCK) {
                if (lib == null) {
                    LibNtfs3g loaded = LibNtfs3g.load();
                    // atUnnamed before lib: lib is what other threads test, so both are set when it is
                    atUnnamed = NativeLibrary.getInstance(LibNtfs3g.NAME).getGlobalVariableAddress("AT_UNNAMED");
                    lib = loaded;
                }
            }
        }
        return lib;
    }

    /**
     * Loads libntfs-3g on a background thread, so that its loading (JNA and the library's own
     * start, tens of milliseconds) overlaps the disk's opening and BitLocker's key stretching on
     * the other core instead of following them. A failure here is left to the first real use,
     * which reports it.
     */
    public static void preload() {
        if (lib != null) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                lib();
            } catch (Throwable ignored) {
                // the caller's own lib() call meets the same error and reports it
            }
        }, "bootmedic-ntfs-preload");
        t.setDaemon(true);
        t.start();
    }

    static Pointer atUnnamed() {
        lib();
        return atUnnamed;
    }

    /**
     * Opens the volume. With {@code write}, it is mounted read-write only if its journal is clean;
     * otherwise it stays read-only and {@link #journalState()} says why.
     */
    public static NtfsVolume open(BlockDevice device, boolean write) throws IOException {
        return open(device, write, false);
    }

    /**
     * Like {@link #open(BlockDevice, boolean)}; with {@code resetJournal}, an unclean journal is
     * emptied as ntfsfix does and the volume is marked dirty so Windows runs chkdsk at next boot.
     */
    public static NtfsVolume open(BlockDevice device, boolean write, boolean resetJournal) throws IOException {
        NtfsVolume ro = mount(device, false);
        boolean reset = write && resetJournal && ro.journalState == JournalState.UNCLEAN;
        if (write && resetJournal && ro.journalState == JournalState.HIBERNATED) {
            ro.close();
            throw new NtfsException(device.describe() + " is hibernated (Fast Startup): resetting the journal would throw away the saved session. "
                    + "Run without --journal reset to neutralize the file in place. Nothing was changed.");
        }
        if (!write || (ro.journalState != JournalState.CLEAN && !reset) || device.isReadOnly()) {
            return ro;
        }
        JournalState state = ro.journalState;
        ro.close();
        NtfsVolume rw = mount(device, true, reset);
        if (reset) {
            short flags = (short) (rw.volume.getShort(NtfsStructs.VOLUME_FLAGS) | NtfsStructs.VOLUME_IS_DIRTY);
            if (lib().ntfs_volume_write_flags(rw.volume, flags) != 0) {
                rw.close();
                throw new NtfsException("the journal of " + device.describe() + " was reset but the volume could not be marked dirty (errno "
                        + Native.getLastError() + "); run chkdsk on it in Windows");
            }
        }
        if (rw.readOnly) {
            rw.close();
            throw new NtfsException("libntfs-3g mounted " + device.describe() + " read-only although read-write was asked for; nothing was changed");
        }
        return new NtfsVolume(device, rw.bridge, rw.volume, state, false);
    }

    private static NtfsVolume mount(BlockDevice device, boolean write) throws IOException {
        return mount(device, write, false);
    }

    private static NtfsVolume mount(BlockDevice device, boolean write, boolean recover) throws IOException {
        LibNtfs3g l = lib();
        DeviceBridge bridge = new DeviceBridge(device);
        Pointer dev = l.ntfs_device_alloc(device.describe(), new NativeLong(0), bridge.ops(), Pointer.NULL);
        if (dev == null) {
            throw new NtfsException("libntfs-3g could not allocate a device for " + device.describe());
        }
        int flags = write ? (recover ? LibNtfs3g.NTFS_MNT_RECOVER : LibNtfs3g.NTFS_MNT_NONE) : LibNtfs3g.NTFS_MNT_RDONLY;
        Pointer vol = l.ntfs_device_mount(dev, flags);
        if (vol == null) {
            int errno = Native.getLastError();
            l.ntfs_device_free(dev);
            if (bridge.firstError() != null) {
                throw new NtfsException("cannot read " + device.describe() + ": " + bridge.firstError().getMessage());
            }
            if (write && (errno == EPERM || errno == EROFS)) {
                throw new NtfsException(device.describe() + " cannot be changed: Windows did not shut it down cleanly (crash or Fast Startup). "
                        + "Nothing was changed.");
            }
            throw new NtfsException(device.describe() + " is not a readable NTFS volume (libntfs-3g errno " + errno
                    + "): the file system is damaged, or this is not the Windows partition. Nothing was changed.");
        }
        NtfsVolume v = new NtfsVolume(device, bridge, vol, JournalState.CLEAN, !write);
        if (!write) {
            try {
                v = new NtfsVolume(device, bridge, vol, v.detectState(), true);
            } catch (IOException | RuntimeException e) {
                v.close();
                throw e;
            }
        }
        return v;
    }

    private JournalState detectState() throws IOException {
        if (isHibernated()) {
            return JournalState.HIBERNATED;
        }
        return logFileClean() ? JournalState.CLEAN : JournalState.UNCLEAN;
    }

    /** Fast Startup and hibernation leave hiberfil.sys starting with "hibr" (any case). */
    private boolean isHibernated() throws IOException {
        try (NtfsInode root = inode(LibNtfs3g.FILE_ROOT)) {
            long mref = lib().ntfs_inode_lookup_by_name(root.pointer(), utf16("hiberfil.sys"), "hiberfil.sys".length());
            if (mref == -1L) {
                return false;
            }
            try (NtfsInode hib = inode(mref)) {
                byte[] head = hib.read(0, 4);
                return head.length == 4 && new String(head, StandardCharsets.US_ASCII).equalsIgnoreCase("hibr");
            }
        }
    }

    /** The same test libntfs-3g makes before it agrees to write: a consistent, clean $LogFile restart area. */
    private boolean logFileClean() throws IOException {
        try (NtfsInode log = inode(2)) {
            Pointer na = lib().ntfs_attr_open(log.pointer(), LibNtfs3g.AT_DATA, atUnnamed(), 0);
            if (na == null) {
                throw new NtfsException("the NTFS journal ($LogFile) of " + device.describe() + " cannot be opened: the volume is damaged");
            }
            try {
                PointerByReference rp = new PointerByReference();
                boolean consistent = lib().ntfs_check_logfile(na, rp);
                boolean clean = consistent && lib().ntfs_is_logfile_clean(na, rp.getValue());
                if (rp.getValue() != null) {
                    Native.free(Pointer.nativeValue(rp.getValue()));
                }
                return clean;
            } finally {
                lib().ntfs_attr_close(na);
            }
        }
    }

    /** Opens an inode by MFT reference; close it. */
    NtfsInode inode(long mref) throws NtfsException {
        Pointer ni = lib().ntfs_inode_open(volume, mref & 0x0000FFFFFFFFFFFFL);
        if (ni == null) {
            throw new NtfsException("MFT record " + (mref & 0x0000FFFFFFFFFFFFL) + " of " + device.describe() + " cannot be read (errno "
                    + Native.getLastError() + "): the file system is damaged");
        }
        return new NtfsInode(this, ni);
    }

    Pointer pointer() {
        return volume;
    }

    /** Bytes per cluster, from the boot sector (bytes per sector x sectors per cluster, or 2^-n for large clusters). */
    public long clusterSize() throws IOException {
        java.nio.ByteBuffer boot = java.nio.ByteBuffer.wrap(device.read(0, 512)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int bytesPerSector = Short.toUnsignedInt(boot.getShort(0x0B));
        int spc = Byte.toUnsignedInt(boot.get(0x0D));
        long sectorsPerCluster = spc > 0x80 ? 1L << (256 - spc) : spc;
        long size = bytesPerSector * sectorsPerCluster;
        if (bytesPerSector < 256 || size <= 0 || size > (2L << 20)) {
            throw new NtfsException(device.describe() + ": the NTFS boot sector has an impossible cluster size " + size);
        }
        return size;
    }

    public JournalState journalState() {
        return journalState;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public BlockDevice device() {
        return device;
    }

    IOException bridgeError() {
        return bridge.firstError();
    }

    /** An ntfschar string: UTF-16LE code units, no terminator (lengths are passed separately). */
    static Pointer utf16(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_16LE);
        com.sun.jna.Memory m = new com.sun.jna.Memory(Math.max(2, bytes.length));
        m.write(0, bytes, 0, bytes.length);
        return m;
    }

    /** Unmounts, writing back everything libntfs-3g still holds. */
    @Override
    public void close() throws IOException {
        if (volume == null) {
            return;
        }
        Pointer v = volume;
        volume = null;
        int rc = lib().ntfs_umount(v, false);
        if (rc != 0 && !readOnly) {
            throw new NtfsException("unmounting " + device.describe() + " failed (errno " + Native.getLastError() + "); run the same command again to check the result");
        }
        if (!readOnly) {
            device.flush();
        }
        if (bridge.firstError() != null && !readOnly) {
            throw new NtfsException("a write to " + device.describe() + " failed: " + bridge.firstError().getMessage());
        }
    }
}
