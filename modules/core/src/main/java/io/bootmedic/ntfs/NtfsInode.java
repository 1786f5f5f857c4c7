package io.bootmedic.ntfs;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.time.Instant;

/** An open libntfs-3g inode; closing it writes back any change. */
final class NtfsInode implements AutoCloseable {
    private final NtfsVolume volume;
    private Pointer ni;

    NtfsInode(NtfsVolume volume, Pointer ni) {
        this.volume = volume;
        this.ni = ni;
    }

    Pointer pointer() {
        return ni;
    }

    /** Hands the inode to a call that closes it itself (ntfs_delete). */
    Pointer release() {
        Pointer p = ni;
        ni = null;
        return p;
    }

    long mftNumber() {
        return ni.getLong(NtfsStructs.INODE_MFT_NO);
    }

    boolean isDirectory() {
        return NtfsStructs.isDirectory(ni);
    }

    boolean isReparsePoint() {
        return (ni.getInt(NtfsStructs.INODE_FLAGS) & NtfsStructs.FILE_ATTR_REPARSE_POINT) != 0;
    }

    long dataSize() {
        return ni.getLong(NtfsStructs.INODE_DATA_SIZE);
    }

    Instant created() {
        return NtfsStructs.toInstant(ni.getLong(NtfsStructs.INODE_CREATION_TIME));
    }

    Instant modified() {
        return NtfsStructs.toInstant(ni.getLong(NtfsStructs.INODE_LAST_DATA_CHANGE_TIME));
    }

    Instant accessed() {
        return NtfsStructs.toInstant(ni.getLong(NtfsStructs.INODE_LAST_ACCESS_TIME));
    }

    /** Up to {@code length} bytes of the unnamed data stream from {@code pos}. */
    byte[] read(long pos, int length) throws NtfsException {
        Pointer na = openData();
        try {
            Memory buf = new Memory(Math.max(1, length));
            long n = NtfsVolume.lib().ntfs_attr_pread(na, pos, length, buf);
            if (n < 0) {
                throw new NtfsException("reading MFT record " + mftNumber() + " failed (errno " + Native.getLastError() + ")"
                        + (volume.bridgeError() != null ? ": " + volume.bridgeError().getMessage() : ""));
            }
            return buf.getByteArray(0, (int) n);
        } finally {
            NtfsVolume.lib().ntfs_attr_close(na);
        }
    }

    Pointer openData() throws NtfsException {
        Pointer na = NtfsVolume.lib().ntfs_attr_open(ni, LibNtfs3g.AT_DATA, NtfsVolume.atUnnamed(), 0);
        if (na == null) {
            throw new NtfsException("MFT record " + mftNumber() + " has no data stream (errno " + Native.getLastError() + ")");
        }
        return na;
    }

    @Override
    public void close() throws NtfsException {
        if (ni != null) {
            Pointer p = ni;
            ni = null;
            if (NtfsVolume.lib().ntfs_inode_close(p) != 0) {
                throw new NtfsException("writing back MFT record failed (errno " + Native.getLastError() + ")");
            }
        }
    }
}
