package io.bootmedic.ntfs;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;

/**
 * The part of Debian's libntfs-3g (libntfs-3g.so.89) that bootmedic calls. Pointers to library
 * structs stay opaque except for the few fields {@link NtfsStructs} reads at checked offsets.
 */
interface LibNtfs3g extends Library {
    String NAME = "ntfs-3g";

    static LibNtfs3g load() {
        try {
            return Native.load(NAME, LibNtfs3g.class);
        } catch (UnsatisfiedLinkError first) {
            try {
                return Native.load("libntfs-3g.so.89", LibNtfs3g.class);
            } catch (UnsatisfiedLinkError e) {
                throw new UnsatisfiedLinkError("libntfs-3g is not installed: on Debian/Ubuntu run 'apt-get install libntfs-3g89' (" + first.getMessage() + ")");
            }
        }
    }

    int NTFS_MNT_NONE = 0;
    int NTFS_MNT_RDONLY = 0x00000001;
    /** Resets an unclean $LogFile at mount, as ntfsfix does. */
    int NTFS_MNT_RECOVER = 0x10000000;

    long FILE_ROOT = 5;
    int AT_DATA = 0x80;
    int S_IFDIR = 0040000;
    int S_IFREG = 0100000;

    Pointer ntfs_device_alloc(String name, NativeLong state, Pointer dops, Pointer privData);

    int ntfs_device_free(Pointer dev);

    Pointer ntfs_device_mount(Pointer dev, int flags);

    int ntfs_umount(Pointer vol, boolean force);

    int ntfs_set_ignore_case(Pointer vol);

    int ntfs_volume_write_flags(Pointer vol, short flags);

    Pointer ntfs_inode_open(Pointer vol, long mref);

    int ntfs_inode_close(Pointer ni);

    int ntfs_inode_sync(Pointer ni);

    long ntfs_inode_lookup_by_name(Pointer dirNi, Pointer uname, int unameLen);

    /** Calls {@code filldir} for each entry; {@code pos} is the iteration cursor. */
    int ntfs_readdir(Pointer dirNi, LongByReference pos, Pointer dirent, FillDir filldir);

    Pointer ntfs_create(Pointer dirNi, int securid, Pointer name, byte nameLen, int type);

    int ntfs_link(Pointer ni, Pointer dirNi, Pointer name, byte nameLen);

    /** Removes one name; closes both {@code ni} and {@code dirNi}, whatever it returns. */
    int ntfs_delete(Pointer vol, String path, Pointer ni, Pointer dirNi, Pointer name, byte nameLen);

    int ntfs_inode_set_times(Pointer ni, byte[] value, NativeLong size, int flags);

    Pointer ntfs_attr_open(Pointer ni, int type, Pointer name, int nameLen);

    void ntfs_attr_close(Pointer na);

    long ntfs_attr_pread(Pointer na, long pos, long count, Pointer buf);

    long ntfs_attr_pwrite(Pointer na, long pos, long count, Pointer buf);

    int ntfs_attr_truncate(Pointer na, long newSize);

    int ntfs_attr_map_whole_runlist(Pointer na);

    boolean ntfs_check_logfile(Pointer logNa, com.sun.jna.ptr.PointerByReference rp);

    boolean ntfs_is_logfile_clean(Pointer logNa, Pointer rp);

    /** {@code int (*ntfs_filldir_t)(void *dirent, const ntfschar *name, int name_len, int name_type, s64 pos, MFT_REF mref, unsigned dt_type)} */
    interface FillDir extends Callback {
        int invoke(Pointer dirent, Pointer name, int nameLen, int nameType, long pos, long mref, int dtType);
    }
}
