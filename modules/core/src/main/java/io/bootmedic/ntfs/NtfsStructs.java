package io.bootmedic.ntfs;

import com.sun.jna.Pointer;

import java.time.Instant;

/**
 * The few fields of libntfs-3g structs that bootmedic reads, at their offsets on 64-bit Linux
 * (checked against the installed headers by a test that compiles offsetof() with gcc).
 */
final class NtfsStructs {
    // struct _ntfs_volume
    static final long VOLUME_FLAGS = 34;
    static final int VOLUME_IS_DIRTY = 0x0001;
    // struct _ntfs_inode
    static final long INODE_MFT_NO = 0;
    static final long INODE_MREC = 8;
    static final long INODE_FLAGS = 32;
    static final long INODE_DATA_SIZE = 64;
    static final long INODE_CREATION_TIME = 80;
    static final long INODE_LAST_DATA_CHANGE_TIME = 88;
    static final long INODE_LAST_ACCESS_TIME = 104;
    // MFT_RECORD (on-disk layout)
    static final long MREC_FLAGS = 22;
    static final int MFT_RECORD_IS_DIRECTORY = 0x0002;
    // struct _ntfs_attr
    static final long ATTR_RL = 0;
    static final long ATTR_DATA_FLAGS = 20;
    static final long ATTR_STATE = 40;
    static final long ATTR_DATA_SIZE = 56;
    static final long ATTR_INITIALIZED_SIZE = 64;
    // runlist_element: { s64 vcn; s64 lcn; s64 length; }
    static final int RUNLIST_ELEMENT_SIZE = 24;

    static final int FILE_ATTR_REPARSE_POINT = 0x0400;
    static final int ATTR_COMPRESSION_MASK = 0x00FF;
    static final int ATTR_IS_ENCRYPTED = 0x4000;
    static final int ATTR_IS_SPARSE = 0x8000;
    static final int NA_NON_RESIDENT_BIT = 1;

    /** NTFS times count 100 ns intervals since 1601-01-01. */
    private static final long EPOCH_DIFF_100NS = 116444736000000000L;

    private NtfsStructs() {
    }

    static Instant toInstant(long ntfsTime) {
        long since1970 = ntfsTime - EPOCH_DIFF_100NS;
        return Instant.ofEpochSecond(Math.floorDiv(since1970, 10_000_000L), Math.floorMod(since1970, 10_000_000L) * 100);
    }

    static long toNtfsTime(Instant instant) {
        return instant.getEpochSecond() * 10_000_000L + instant.getNano() / 100 + EPOCH_DIFF_100NS;
    }

    static boolean isDirectory(Pointer inode) {
        Pointer mrec = inode.getPointer(INODE_MREC);
        return (Short.toUnsignedInt(mrec.getShort(MREC_FLAGS)) & MFT_RECORD_IS_DIRECTORY) != 0;
    }
}
