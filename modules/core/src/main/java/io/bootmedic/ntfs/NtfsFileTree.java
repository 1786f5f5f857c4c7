package io.bootmedic.ntfs;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import io.bootmedic.fs.EntryType;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link FileTree} over an NTFS volume through libntfs-3g: what the engine uses on images and devices. */
public final class NtfsFileTree implements FileTree {
    private static final int DOS_NAME = 2;
    private static final long FIRST_USER_RECORD = 16;
    private final NtfsVolume volume;

    public NtfsFileTree(NtfsVolume volume) {
        this.volume = volume;
    }

    public NtfsVolume volume() {
        return volume;
    }

    @Override
    public String describe() {
        return volume.device().describe();
    }

    /** The inode at {@code path}, or null when some component does not exist. */
    private NtfsInode open(RelPath path) throws IOException {
        NtfsInode current = volume.inode(LibNtfs3g.FILE_ROOT);
        for (String part : path.parts()) {
            long mref;
            try {
                mref = NtfsVolume.lib().ntfs_inode_lookup_by_name(current.pointer(), NtfsVolume.utf16(part), part.length());
            } finally {
                current.close();
            }
            if (mref == -1L) {
                return null;
            }
            current = volume.inode(mref);
        }
        return current;
    }

    private NtfsInode require(RelPath path) throws IOException {
        NtfsInode ni = open(path);
        if (ni == null) {
            throw new NoSuchFileException(path + " on " + describe());
        }
        return ni;
    }

    @Override
    public Optional<FileStat> stat(RelPath path) throws IOException {
        NtfsInode ni = open(path);
        if (ni == null) {
            return Optional.empty();
        }
        try (ni) {
            return Optional.of(statOf(path.isRoot() ? "" : path.name(), ni));
        }
    }

    private static FileStat statOf(String name, NtfsInode ni) {
        EntryType type = ni.isReparsePoint() ? EntryType.REPARSE_POINT : ni.isDirectory() ? EntryType.DIRECTORY : EntryType.FILE;
        return new FileStat(name, type, type == EntryType.DIRECTORY ? 0 : ni.dataSize(), ni.created(), ni.modified(), ni.accessed());
    }

    @Override
    public List<FileStat> list(RelPath dir) throws IOException {
        List<String> names = new ArrayList<>();
        List<Long> refs = new ArrayList<>();
        try (NtfsInode d = require(dir)) {
            LibNtfs3g.FillDir fill = (dirent, name, nameLen, nameType, pos, mref, dtType) -> {
                String n = new String(name.getByteArray(0, nameLen * 2), java.nio.charset.StandardCharsets.UTF_16LE);
                // each file is listed once: skip DOS 8.3 aliases, the dot entries and the NTFS metafiles
                if (nameType != DOS_NAME && !n.equals(".") && !n.equals("..") && (mref & 0x0000FFFFFFFFFFFFL) >= FIRST_USER_RECORD) {
                    names.add(n);
                    refs.add(mref);
                }
                return 0;
            };
            LongByReference pos = new LongByReference(0);
            if (NtfsVolume.lib().ntfs_readdir(d.pointer(), pos, Pointer.NULL, fill) != 0) {
                throw new NtfsException("listing " + dir + " on " + describe() + " failed (errno " + Native.getLastError() + ")");
            }
        }
        List<FileStat> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            try (NtfsInode ni = volume.inode(refs.get(i))) {
                out.add(statOf(names.get(i), ni));
            }
        }
        return out;
    }

    @Override
    public SeekableByteChannel openRead(RelPath file) throws IOException {
        NtfsInode ni = require(file);
        if (ni.isDirectory()) {
            ni.close();
            throw new IOException(file + " is a directory");
        }
        return new DataChannel(ni);
    }

    @Override
    public void createDirectory(RelPath dir) throws IOException {
        requireWritable();
        create(dir, LibNtfs3g.S_IFDIR).close();
    }

    private NtfsInode create(RelPath path, int type) throws IOException {
        try (NtfsInode parent = require(path.parent())) {
            long existing = NtfsVolume.lib().ntfs_inode_lookup_by_name(parent.pointer(), NtfsVolume.utf16(path.name()), path.name().length());
            if (existing != -1L) {
                throw new FileAlreadyExistsException(path + " on " + describe());
            }
            Pointer ni = NtfsVolume.lib().ntfs_create(parent.pointer(), 0, NtfsVolume.utf16(path.name()), len(path.name()), type);
            if (ni == null) {
                throw new NtfsException("creating " + path + " on " + describe() + " failed (errno " + Native.getLastError() + ")");
            }
            return new NtfsInode(volume, ni);
        }
    }

    @Override
    public void move(RelPath from, RelPath to) throws IOException {
        requireWritable();
        if (stat(to).isPresent()) {
            throw new FileAlreadyExistsException(to + " on " + describe());
        }
        NtfsInode ni = require(from);
        NtfsInode fromDir = require(from.parent());
        try (NtfsInode toDir = require(to.parent())) {
            // a rename is a new name in the target folder, then the old name removed: the data never moves
            if (NtfsVolume.lib().ntfs_link(ni.pointer(), toDir.pointer(), NtfsVolume.utf16(to.name()), len(to.name())) != 0) {
                int errno = Native.getLastError();
                ni.close();
                fromDir.close();
                throw new NtfsException("linking " + from + " as " + to + " on " + describe() + " failed (errno " + errno + "); nothing was moved");
            }
        }
        // ntfs_delete closes both inodes itself
        if (NtfsVolume.lib().ntfs_delete(volume.pointer(), "/" + from, ni.release(), fromDir.release(), NtfsVolume.utf16(from.name()),
                len(from.name())) != 0) {
            throw new NtfsException("the file is now at both " + from + " and " + to + " on " + describe()
                    + ": removing the old name failed (errno " + Native.getLastError() + ")");
        }
    }

    @Override
    public void writeDurably(RelPath file, byte[] content) throws IOException {
        requireWritable();
        NtfsInode existing = open(file);
        try (NtfsInode ni = existing != null ? existing : create(file, LibNtfs3g.S_IFREG)) {
            Pointer na = ni.openData();
            try {
                Memory buf = new Memory(Math.max(1, content.length));
                buf.write(0, content, 0, content.length);
                if (NtfsVolume.lib().ntfs_attr_truncate(na, 0) != 0
                        || NtfsVolume.lib().ntfs_attr_pwrite(na, 0, content.length, buf) != content.length) {
                    throw new NtfsException("writing " + file + " on " + describe() + " failed (errno " + Native.getLastError() + ")");
                }
            } finally {
                NtfsVolume.lib().ntfs_attr_close(na);
            }
            NtfsVolume.lib().ntfs_inode_sync(ni.pointer());
        }
        volume.device().flush();
    }

    @Override
    public void setTimes(RelPath path, FileTimes times) throws IOException {
        requireWritable();
        try (NtfsInode ni = require(path)) {
            Instant created = times.created() != null ? times.created() : ni.created();
            Instant modified = times.modified() != null ? times.modified() : ni.modified();
            Instant accessed = times.accessed() != null ? times.accessed() : ni.accessed();
            ByteBuffer value = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            value.putLong(NtfsStructs.toNtfsTime(created)).putLong(NtfsStructs.toNtfsTime(modified)).putLong(NtfsStructs.toNtfsTime(accessed));
            if (NtfsVolume.lib().ntfs_inode_set_times(ni.pointer(), value.array(), new NativeLong(24), 0) != 0) {
                throw new NtfsException("setting the times of " + path + " failed (errno " + Native.getLastError() + ")");
            }
        }
    }

    /** NTFS names hold at most 255 UTF-16 units. */
    private static byte len(String name) throws NtfsException {
        if (name.length() > 255) {
            throw new NtfsException("the name '" + name.substring(0, 40) + "…' is longer than NTFS allows (255 characters)");
        }
        return (byte) name.length();
    }

    private void requireWritable() throws IOException {
        if (volume.isReadOnly()) {
            throw new NtfsException(describe() + " is open read-only (journal " + volume.journalState().wire() + "); nothing was changed");
        }
    }

    /**
     * Where a file's unnamed data stream lies on the volume device, cluster by cluster, for
     * changing its data without touching metadata. Refuses what cannot be handled that way.
     */
    public List<Extent> extents(RelPath file) throws IOException {
        long clusterSize = volume.clusterSize();
        try (NtfsInode ni = require(file)) {
            Pointer na = ni.openData();
            try {
                int flags = Short.toUnsignedInt(na.getShort(NtfsStructs.ATTR_DATA_FLAGS));
                if ((na.getNativeLong(NtfsStructs.ATTR_STATE).longValue() & (1L << NtfsStructs.NA_NON_RESIDENT_BIT)) == 0) {
                    throw new NtfsException(file + " is stored inside its MFT record (resident); it cannot be changed without changing metadata");
                }
                if ((flags & (NtfsStructs.ATTR_COMPRESSION_MASK | NtfsStructs.ATTR_IS_ENCRYPTED | NtfsStructs.ATTR_IS_SPARSE)) != 0) {
                    throw new NtfsException(file + " is compressed, encrypted or sparse; bootmedic will not overwrite it in place");
                }
                if (NtfsVolume.lib().ntfs_attr_map_whole_runlist(na) != 0) {
                    throw new NtfsException("the cluster map of " + file + " cannot be read (errno " + Native.getLastError() + ")");
                }
                long dataSize = na.getLong(NtfsStructs.ATTR_DATA_SIZE);
                List<Extent> out = new ArrayList<>();
                Pointer rl = na.getPointer(NtfsStructs.ATTR_RL);
                long covered = 0;
                for (int i = 0; covered < dataSize; i++) {
                    Pointer e = rl.share((long) i * NtfsStructs.RUNLIST_ELEMENT_SIZE);
                    long lcn = e.getLong(8);
                    long length = e.getLong(16);
                    if (length <= 0) {
                        break;
                    }
                    if (lcn < 0) {
                        throw new NtfsException(file + " has a hole in its cluster map; bootmedic will not overwrite it in place");
                    }
                    long bytes = Math.min(length * clusterSize, dataSize - covered);
                    long offset = lcn * clusterSize;
                    if (offset + bytes > volume.device().size()) {
                        throw new NtfsException(file + " claims clusters beyond the end of the volume: the file system is damaged");
                    }
                    out.add(new Extent(offset, bytes));
                    covered += bytes;
                }
                if (covered != dataSize) {
                    throw new NtfsException("the cluster map of " + file + " covers " + covered + " of its " + dataSize + " bytes");
                }
                return out;
            } finally {
                NtfsVolume.lib().ntfs_attr_close(na);
            }
        }
    }

    @Override
    public boolean isReadOnly() {
        return volume.isReadOnly();
    }

    @Override
    public void close() throws IOException {
        volume.close();
    }

    /** Random-access reads of a file's unnamed data stream. */
    private static final class DataChannel implements SeekableByteChannel {
        private final NtfsInode ni;
        private final Pointer na;
        private final long size;
        private long position;
        private Memory buffer = new Memory(64 * 1024);

        DataChannel(NtfsInode ni) throws IOException {
            this.ni = ni;
            this.na = ni.openData();
            this.size = na.getLong(NtfsStructs.ATTR_DATA_SIZE);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (position >= size) {
                return -1;
            }
            int want = (int) Math.min(Math.min(dst.remaining(), buffer.size()), size - position);
            long n = NtfsVolume.lib().ntfs_attr_pread(na, position, want, buffer);
            if (n < 0) {
                throw new NtfsException("reading MFT record " + ni.mftNumber() + " failed (errno " + Native.getLastError() + ")");
            }
            dst.put(buffer.getByteBuffer(0, n));
            position += n;
            return (int) n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            position = newPosition;
            return this;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel truncate(long s) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return buffer != null;
        }

        @Override
        public void close() throws IOException {
            if (buffer != null) {
                buffer = null;
                NtfsVolume.lib().ntfs_attr_close(na);
                ni.close();
            }
        }
    }
}
