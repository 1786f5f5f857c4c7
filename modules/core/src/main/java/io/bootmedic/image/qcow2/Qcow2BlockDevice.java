package io.bootmedic.image.qcow2;

import io.bootmedic.format.Exact;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.image.block.GuardedFile;
import io.bootmedic.image.block.MetadataMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * QEMU's qcow2 images (KVM, Proxmox, OpenStack), version 2 and 3: guest offsets map through the
 * L1 table (in memory, at most 32 MiB as qemu allows) and L2 tables (read on demand into a
 * bounded cache) to host clusters. Unallocated clusters read from the backing file (opened
 * read-only, see {@link Qcow2Backing}) or as zeros; zero-flagged clusters read as zeros;
 * deflate-compressed clusters are inflated.
 *
 * <p>Writes go in place into a cluster whose refcount is 1 and whose L2 entry says so (COPIED).
 * Anything else (unallocated, zero, compressed, shared with an internal snapshot) is copied on
 * write into a new cluster at the end of the file, in the order data, refcounts, L2 entry, L1
 * entry, each flushed before the next, and only then is the old cluster released: a crash
 * leaves at worst a leaked cluster, never a pointer to one that is unwritten or counted free.
 * L2 tables shared with a snapshot are copied the same way; a full refcount table is copied into
 * a larger one. Images marked dirty or corrupt are opened for reading only.
 *
 * <p>Opening for writing first runs {@link Qcow2Preflight} over every structure a write could
 * touch, and every write then goes through the guard over the map it made: damage is refused
 * before the first byte changes, headers included, never found halfway through a repair.
 */
public final class Qcow2BlockDevice implements BlockDevice {
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    static final long OFFSET_MASK = 0x00FF_FFFF_FFFF_FE00L;
    private static final int MAX_READ = 2 << 20;

    private final Qcow2File file;
    private final Qcow2Header header;
    private final BlockDevice backing;
    private final Qcow2ClusterCache l2Cache;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;
    private final long[] l1;
    private final long l1Offset;
    private Qcow2Refcounts refcounts;
    private long inflatedEntry;
    private byte[] inflated;

    private Qcow2BlockDevice(Qcow2File file, Qcow2Header header, long[] l1, BlockDevice backing) {
        this.file = file;
        this.header = header;
        this.l1 = l1;
        this.l1Offset = header.l1Offset();
        this.backing = backing;
        this.clusterBits = header.clusterBits();
        this.clusterSize = 1 << clusterBits;
        this.l2Bits = clusterBits - 3;
        this.l2Cache = new Qcow2ClusterCache(clusterSize);
    }

    /** Whether the device starts with the qcow magic (any version: version 1 is refused by {@link #open}). */
    public static boolean isQcow(BlockDevice file) throws IOException {
        return file.size() >= 4 && Qcow2Header.isQcow(file.read(0, 4));
    }

    /** Opens a qcow2 image on an image file; {@code writable} asks for writes (the file must be open for writing). */
    public static Qcow2BlockDevice open(FileBlockDevice file, Path path, boolean writable, Path backingDir) throws IOException {
        Path real = path.toRealPath();
        if (writable && !java.nio.file.Files.isRegularFile(real)) {
            // new clusters go after the end of the file, and a device (an oVirt LV) has no end to grow past
            throw new Qcow2Exception(path + " holds a qcow2 image on a device, which bootmedic only reads: copy it to a file with"
                    + " 'qemu-img convert -O qcow2 " + path + " disk.qcow2', fix that, and copy it back");
        }
        Qcow2Backing.Chain chain = Qcow2Backing.Chain.of(real, backingDir);
        return open(file, writable ? file::extend : null, path, writable, 0, chain);
    }

    /** Opens a qcow2 image held in any block device, for reading only; a backing file is refused (for parsers' tests). */
    public static Qcow2BlockDevice openReadOnly(BlockDevice device) throws IOException {
        return open(device, null, null, false, 0, Qcow2Backing.Chain.NONE);
    }

    /**
     * Opens a qcow2 image on any block device. {@code grower} grows the file for writes (null:
     * read-only); {@code path} locates a backing file (null: a backing file is refused).
     */
    public static Qcow2BlockDevice open(BlockDevice device, GuardedFile.Grower grower, Path path, boolean writable, int depth, Qcow2Backing.Chain chain)
            throws IOException {
        String name = device.describe();
        byte[] first = device.read(0, (int) Math.min(device.size(), MAX_READ));
        Qcow2Header header = Qcow2Header.parse(first, device.size(), name);
        if (writable && header.has(Qcow2Header.DIRTY)) {
            throw new Qcow2Exception(name + " was not closed cleanly (qcow2 dirty bit): its refcounts may be stale, so bootmedic will not write to it."
                    + " Run 'qemu-img check -r all " + name + "' first (scan reads it as it is)");
        }
        if (writable && header.has(Qcow2Header.CORRUPT)) {
            throw new Qcow2Exception(name + " is marked corrupt by qemu (qcow2 corrupt bit), so bootmedic will not write to it."
                    + " Run 'qemu-img check -r all " + name + "' on a copy first (scan reads it as it is)");
        }
        // (an empty L1 table may have any offset: nothing is read there)
        LeBytes raw = LeBytes.of(header.l1Size() == 0 ? new byte[0] : device.read(header.l1Offset(), header.l1Size() * 8), name + ": qcow2 L1 table");
        long[] l1 = new long[header.l1Size()];
        for (int i = 0; i < l1.length; i++) {
            l1[i] = raw.s64be(i * 8L);
        }
        // nothing is written, headers included, before every structure a write could touch is checked
        MetadataMap map = writable && grower != null ? Qcow2Preflight.check(device, header, l1) : null;
        Qcow2File qfile = new Qcow2File(device, writable ? grower : null, map, header.clusterBits());
        BlockDevice backing = null;
        if (header.backingFile() != null) {
            backing = Qcow2Backing.open(path, name, header, depth, chain);
        }
        return new Qcow2BlockDevice(qfile, header, l1, backing);
    }

    /**
     * The backing file a qcow2 image names, resolved against its folder as {@link Qcow2Backing}
     * does; empty for any other file, or one that cannot be read (opening it will say why).
     */
    public static java.util.Optional<Path> backingFileOf(Path image) {
        try (FileBlockDevice f = FileBlockDevice.open(image, false)) {
            if (!isQcow(f)) {
                return java.util.Optional.empty();
            }
            Qcow2Header h = Qcow2Header.parse(f.read(0, (int) Math.min(f.size(), MAX_READ)), f.size(), image.toString());
            if (h.backingFile() == null) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(image.toAbsolutePath().resolveSibling(h.backingFile()).toRealPath());
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    public Qcow2Header header() {
        return header;
    }

    /** Whether the guest cluster holding {@code offset} has its own data in this file (for tests). */
    public boolean allocated(long offset) throws IOException {
        long e = l2Entry(offset >>> clusterBits);
        return (e & COMPRESSED) != 0 || (e & OFFSET_MASK) != 0 || (e & ZERO) != 0;
    }

    @Override
    public long size() {
        return header.virtualSize();
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public boolean isReadOnly() {
        return file.isReadOnly();
    }

    @Override
    public String describe() {
        return file.name();
    }

    // ---- reading

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            long guest = offset >>> clusterBits;
            int in = (int) (offset & (clusterSize - 1));
            int n = Math.min(dst.remaining(), clusterSize - in);
            ByteBuffer part = dst.slice(dst.position(), n);
            readGuest(guest, l2Entry(guest), in, part);
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    private void readGuest(long guest, long entry, int in, ByteBuffer part) throws IOException {
        if ((entry & COMPRESSED) != 0) {
            part.put(inflate(entry), in, part.remaining());
        } else if ((entry & ZERO) != 0) {
            zero(part);
        } else if ((entry & OFFSET_MASK) == 0) {
            readBacking((guest << clusterBits) + in, part);
        } else {
            long host = entry & OFFSET_MASK;
            file.requireCluster(host, "data cluster");
            file.readData(host + in, part);
        }
    }

    private void readBacking(long offset, ByteBuffer part) throws IOException {
        if (backing != null && offset < backing.size()) {
            int n = (int) Math.min(part.remaining(), backing.size() - offset);
            backing.read(offset, part.slice(part.position(), n));
            part.position(part.position() + n);
        }
        zero(part);
    }

    private static void zero(ByteBuffer part) {
        while (part.hasRemaining()) {
            part.put((byte) 0);
        }
    }

    /** The L2 entry of a guest cluster; 0 (unallocated) where the L1 table or L2 table has none. */
    private long l2Entry(long guest) throws IOException {
        long l1Index = guest >>> l2Bits;
        if (l1Index >= l1.length) {
            return 0;
        }
        long l2 = l1[(int) l1Index] & OFFSET_MASK;
        if (l2 == 0) {
            return 0;
        }
        return l2Table(l2).s64be((guest & ((1L << l2Bits) - 1)) * 8);
    }

    private LeBytes l2Table(long offset) throws IOException {
        byte[] t = l2Cache.get(offset);
        if (t == null) {
            t = file.readMetadata(offset, "L2 table");
            l2Cache.put(offset, t);
        }
        return LeBytes.of(t, file.name() + ": qcow2 L2 table at " + offset);
    }

    /** A compressed cluster: raw deflate data starting at a byte offset, spread over whole 512-byte sectors. */
    private byte[] inflate(long entry) throws IOException {
        if (inflated != null && entry == inflatedEntry) {
            return inflated;
        }
        CompressedCluster cc = CompressedCluster.of(entry, clusterBits);
        long start = cc.start();
        long length = cc.length();
        if (start >= file.size() || start < clusterSize) {
            throw new Qcow2Exception(file.name() + ": a compressed qcow2 cluster at " + start + " lies outside the file: the image was cut short or is damaged");
        }
        int inFile = Exact.toInt(Math.min(length, file.size() - start), file.name() + ": compressed cluster length");
        ByteBuffer in = ByteBuffer.allocate(inFile + 1); // nowrap inflation wants one spare byte
        file.readData(start, in.limit(inFile));
        byte[] out = new byte[clusterSize];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(in.array(), 0, inFile + 1);
            int done = 0;
            while (done < clusterSize && !inflater.finished() && !inflater.needsInput()) {
                int n = inflater.inflate(out, done, clusterSize - done);
                if (n == 0 && (inflater.needsDictionary() || inflater.needsInput())) {
                    break;
                }
                done += n;
            }
            if (done < clusterSize) {
                throw Qcow2Header.corrupt(file.name(), "a compressed cluster at " + start + " inflates to " + done + " of " + clusterSize + " bytes");
            }
        } catch (DataFormatException e) {
            throw Qcow2Header.corrupt(file.name(), "a compressed cluster at " + start + " is not valid deflate data");
        } finally {
            inflater.end();
        }
        inflatedEntry = entry;
        inflated = out;
        return out;
    }

    // ---- writing

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (isReadOnly()) {
            throw new IOException(file.name() + " is open read-only");
        }
        checkRange(offset, src.remaining());
        prepareForWrites();
        // one call's copy-on-write clusters share their flushes: all data and refcounts, then all L2 entries, then the releases
        java.util.List<Remap> remaps = new java.util.ArrayList<>();
        while (src.hasRemaining()) {
            long guest = offset >>> clusterBits;
            int in = (int) (offset & (clusterSize - 1));
            int n = Math.min(src.remaining(), clusterSize - in);
            Remap r = writeGuest(guest, in, src.slice(src.position(), n));
            if (r != null) {
                remaps.add(r);
            }
            src.position(src.position() + n);
            offset += n;
        }
        if (remaps.isEmpty()) {
            return;
        }
        file.flush();
        for (Remap r : remaps) {
            setL2(r.table(), r.index(), r.fresh() | COPIED);
        }
        file.flush();
        for (Remap r : remaps) {
            release(r.old());
        }
        file.flush();
    }

    /** A guest cluster whose new copy is written and counted, waiting for its L2 entry to point at it. */
    private record Remap(long table, int index, long fresh, long old) {
    }

    /** Before the first change: read the refcounts, and clear auto-clear bits (bitmaps) that these writes would make stale. */
    private void prepareForWrites() throws IOException {
        if (refcounts != null) {
            return;
        }
        refcounts = new Qcow2Refcounts(file, header);
        if (header.version() >= 3 && header.autoclear() != 0) {
            file.writeMetadata(88, new byte[8], Qcow2Preflight.HEADER);
            file.flush();
        }
    }

    /** Writes in place when the cluster is this image's alone; otherwise writes a new copy and returns the remapping still to do. */
    private Remap writeGuest(long guest, int in, ByteBuffer part) throws IOException {
        long l1Index = guest >>> l2Bits;
        if (l1Index >= l1.length) {
            // the preflight refused an L1 table shorter than the virtual size: this cannot be reached
            throw Qcow2Header.corrupt(file.name(), "its L1 table does not cover guest offset " + (guest << clusterBits));
        }
        long l2 = writableL2((int) l1Index);
        int index = (int) (guest & ((1L << l2Bits) - 1));
        long entry = l2Table(l2).s64be(index * 8L);
        long host = entry & OFFSET_MASK;
        boolean compressed = (entry & COMPRESSED) != 0;
        if (!compressed && host != 0) {
            file.requireCluster(host, "data cluster");
            long count = refcounts.get(host);
            if (count == 0) {
                throw Qcow2Header.corrupt(file.name(), "the data cluster at " + host + " is in use but its refcount is 0");
            }
            if ((entry & ZERO) == 0 && (entry & COPIED) != 0 && count == 1) {
                file.writeData(host + in, part);
                return null;
            }
        }
        if (compressed) {
            requireReleasable(entry);
        }
        byte[] data = in == 0 && part.remaining() == clusterSize ? new byte[clusterSize] : current(guest, entry);
        part.get(data, in, part.remaining());
        long fresh = refcounts.reserveFree(1);
        file.writeData(fresh, data);
        refcounts.add(fresh, 1);
        return new Remap(l2, index, fresh, entry);
    }

    private byte[] current(long guest, long entry) throws IOException {
        byte[] data = new byte[clusterSize];
        readGuest(guest, entry, 0, ByteBuffer.wrap(data));
        return data;
    }

    /** The L2 table of {@code l1Index}, made writable: allocated when missing, copied when shared with a snapshot. */
    private long writableL2(int l1Index) throws IOException {
        long entry = l1[l1Index];
        long old = entry & OFFSET_MASK;
        if (old == 0) {
            long fresh = refcounts.reserveFree(1);
            byte[] empty = new byte[clusterSize];
            file.writeNewMetadata(fresh, empty, Qcow2Preflight.L2);
            refcounts.add(fresh, 1);
            file.flush();
            l2Cache.put(fresh, empty);
            setL1(l1Index, fresh | COPIED);
            file.flush();
            return fresh;
        }
        file.requireCluster(old, "L2 table");
        long count = refcounts.get(old);
        if (count == 0) {
            throw Qcow2Header.corrupt(file.name(), "the L2 table at " + old + " is in use but its refcount is 0");
        }
        if ((entry & COPIED) != 0 && count == 1) {
            return old;
        }
        // shared with a snapshot. qemu counts a data cluster once per L1 table that reaches it, so the
        // copy takes over the active image's references as they are: only the old table loses one
        LeBytes table = l2Table(old);
        byte[] copy = new byte[clusterSize];
        ByteBuffer c = ByteBuffer.wrap(copy);
        for (int i = 0; i < clusterSize / 8; i++) {
            c.putLong(i * 8, table.s64be(i * 8L) & ~COPIED);
        }
        long fresh = refcounts.reserveFree(1);
        file.writeNewMetadata(fresh, copy, Qcow2Preflight.L2);
        refcounts.add(fresh, 1);
        file.flush();
        l2Cache.put(fresh, copy);
        setL1(l1Index, fresh | COPIED);
        file.flush();
        refcounts.add(old, -1);
        file.flush();
        return fresh;
    }

    private void setL1(int index, long value) throws IOException {
        l1[index] = value;
        file.writeMetadata(l1Offset + index * 8L, ByteBuffer.allocate(8).putLong(0, value).array(), Qcow2Preflight.L1);
    }

    private void setL2(long table, int index, long value) throws IOException {
        byte[] t = l2Cache.get(table);
        if (t == null) {
            t = file.readMetadata(table, "L2 table");
            l2Cache.put(table, t);
        }
        ByteBuffer.wrap(t).putLong(index * 8, value);
        file.writeMetadata(table + index * 8L, t, index * 8, 8, Qcow2Preflight.L2);
    }

    /** Drops this image's reference to the host clusters of an L2 entry that was just replaced. */
    private void release(long entry) throws IOException {
        if ((entry & COMPRESSED) != 0) {
            compressedRange(entry, -1);
        } else if ((entry & OFFSET_MASK) != 0) {
            refcounts.add(entry & OFFSET_MASK, -1);
        }
    }

    private void compressedRange(long entry, long delta) throws IOException {
        CompressedCluster cc = CompressedCluster.of(entry, clusterBits);
        long start = cc.firstSector();
        long sectors = cc.sectors();
        if (start < clusterSize || start >= file.size()) {
            throw Qcow2Header.corrupt(file.name(), "a compressed cluster at " + start + " lies outside the file");
        }
        refcounts.addRange(start, sectors * 512, delta);
    }

    /** Checks before anything is written that a compressed cluster's host clusters can lose a reference. */
    private void requireReleasable(long entry) throws IOException {
        CompressedCluster cc = CompressedCluster.of(entry, clusterBits);
        long start = cc.firstSector();
        long sectors = cc.sectors();
        for (long c = start & ~(clusterSize - 1L); c < start + sectors * 512; c += clusterSize) {
            if (refcounts.get(c) == 0) {
                throw Qcow2Header.corrupt(file.name(), "the compressed cluster at " + start + " is in use but its refcount is 0");
            }
        }
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            file.close();
        } finally {
            if (backing != null) {
                backing.close();
            }
        }
    }
}
