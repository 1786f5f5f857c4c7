package io.bootmedic.image.qcow2;

import io.bootmedic.format.Exact;
import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.MetadataMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * Everything a write to a qcow2 image could touch, checked before its first byte (what qemu-img
 * check checks, minus the repair). It declares every structure in a {@link MetadataMap} (header,
 * L1 table, refcount table and every refcount block, snapshot table, each snapshot's L1 table,
 * every L2 table reachable from any L1 table) and seals it, which refuses overlapping structures;
 * then it walks every L2 entry: a host cluster that is unaligned, past the end of the file or
 * inside a structure is damage; and it counts the references to each host cluster and compares
 * them with the refcounts: a cluster in use whose refcount is 0, or reached twice but counted
 * once, is damage (an in-place write to it would change something else too). Leaks are not.
 *
 * <p>Memory: two bits per host cluster and 17 bytes per structure; an image with more than
 * {@link #MAX_CLUSTERS} host clusters is refused for writing (convert it with larger clusters).
 */
final class Qcow2Preflight {
    static final long MAX_CLUSTERS = 1L << 27;
    /** qemu's limits on a snapshot's extra data and on the whole snapshot table. */
    static final int MAX_SNAPSHOT_EXTRA = 1024;
    static final long MAX_SNAPSHOT_TABLE = 64L << 20;
    private static final int CHUNK = 1 << 20;

    static final String HEADER = "qcow2 header", L1 = "L1 table", L2 = "L2 table", REFTABLE = "refcount table", REFBLOCK = "refcount block",
            SNAPSHOTS = "snapshot table", SNAPSHOT_L1 = "snapshot L1 table";

    private final BlockDevice file;
    private final Qcow2Header header;
    private final String name;
    private final long fileSize;
    private final int clusterBits;
    private final long clusterSize;
    private final long clusters;
    private final MetadataMap map;
    private final BitSet once;
    private final BitSet twice;
    private final BitSet l2Tables;
    /** Host clusters the active image's L1 or L2 entries mark COPIED ("refcount is exactly 1"), and those they do not. */
    private final BitSet copied;
    private final BitSet notCopied;
    private final java.util.List<long[]> snapshotL1s = new java.util.ArrayList<>();

    private Qcow2Preflight(BlockDevice file, Qcow2Header header) throws Qcow2Exception {
        this.file = file;
        this.header = header;
        this.name = file.describe();
        this.fileSize = file.size();
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.clusters = (fileSize + clusterSize - 1) >>> clusterBits;
        if (clusters > MAX_CLUSTERS) {
            throw new Qcow2Exception(name + " has " + clusters + " host clusters of " + clusterSize + " bytes, more than bootmedic checks before"
                    + " writing (" + MAX_CLUSTERS + "); nothing was written. Convert it with larger clusters: 'qemu-img convert -O qcow2 -o"
                    + " cluster_size=64k " + name + " copy.qcow2'");
        }
        this.map = new MetadataMap(name);
        this.once = new BitSet((int) clusters);
        this.twice = new BitSet((int) clusters);
        this.l2Tables = new BitSet((int) clusters);
        this.copied = new BitSet();
        this.notCopied = new BitSet();
    }

    /** Checks the image and returns the sealed map of its structures, or throws (nothing is written either way). */
    static MetadataMap check(BlockDevice file, Qcow2Header header, long[] l1) throws IOException {
        Qcow2Preflight p = new Qcow2Preflight(file, header);
        p.declareStructures(l1);
        p.map.seal();
        p.walkL2Tables();
        p.compareRefcounts();
        return p.map;
    }

    // ---- step 1: every structure, aligned and inside the file

    private void declareStructures(long[] l1) throws IOException {
        checkHeader();
        declare(0, clusterSize, HEADER);
        if (header.l1Size() > 0) {
            declare(header.l1Offset(), (long) header.l1Size() * 8, L1);
        }
        declare(header.refcountTableOffset(), (long) header.refcountTableClusters() * clusterSize, REFTABLE);
        declareL2Tables(l1, "L1 table");
        declareSnapshots();
        declareRefcountBlocks();
    }

    /** What qemu refuses to open is refused here too: a fix must leave an image qemu can boot. */
    private void checkHeader() throws Qcow2Exception {
        long perL2 = clusterSize * (clusterSize / 8);
        long needed = header.virtualSize() / perL2 + (header.virtualSize() % perL2 == 0 ? 0 : 1);
        if (header.l1Size() < needed) {
            throw Qcow2Header.corrupt(name, "its L1 table (" + header.l1Size() + " entries) is too small for its virtual size (" + needed
                    + " needed; qemu will not open it either)");
        }
        if ((header.snapshotsOffset() & (clusterSize - 1)) != 0) {
            throw Qcow2Header.corrupt(name, "its snapshot table offset (" + header.snapshotsOffset() + ") is not a cluster boundary");
        }
        if ((header.autoclear() & RAW_EXTERNAL) != 0) {
            throw Qcow2Header.corrupt(name, "it says its data is raw in an external data file, but it has none (qemu will not open it either)");
        }
    }

    private static final long RAW_EXTERNAL = 2;

    /** A structure: cluster-aligned, wholly inside the file, each of its clusters referenced once. */
    private void declare(long offset, long length, String what) throws IOException {
        if (offset <= 0 && !HEADER.equals(what) || (offset & (clusterSize - 1)) != 0) {
            throw Qcow2Header.corrupt(name, "its " + what + " offset (" + offset + ") is not a cluster boundary");
        }
        if (offset >= fileSize || length > fileSize - offset) {
            throw new Qcow2Exception(name + ": the qcow2 " + what + " at byte " + offset + " lies beyond the end of the " + fileSize
                    + "-byte file: the image was cut short or is damaged; nothing was written (copy it again, or run 'qemu-img check' on a copy)");
        }
        map.declare(offset, roundUp(length), what);
        reference(offset, length);
    }

    private void declareL2Tables(long[] l1, String from) throws IOException {
        for (int i = 0; i < l1.length; i++) {
            declareL2(l1[i], from, i);
            noteCopied(l1[i]);
        }
        activeL2 = (BitSet) l2Tables.clone();
    }

    private BitSet activeL2;

    /** What an active entry says of its cluster's refcount: qemu writes in place only where COPIED is set and it is 1. */
    private void noteCopied(long entry) {
        long offset = entry & Qcow2BlockDevice.OFFSET_MASK;
        if (offset == 0 || offset >= fileSize) {
            return;
        }
        int c = (int) (offset >>> clusterBits);
        (((entry & Qcow2BlockDevice.COPIED) != 0) ? copied : notCopied).set(c);
    }

    private void declareL2(long entry, String from, long index) throws IOException {
        if ((entry & ~(Qcow2BlockDevice.OFFSET_MASK | Qcow2BlockDevice.COPIED)) != 0) {
            throw Qcow2Header.corrupt(name, "entry " + index + " of its " + from + " has reserved bits set");
        }
        long offset = entry & Qcow2BlockDevice.OFFSET_MASK;
        if (offset == 0) {
            if (entry != 0) {
                // qemu reads such an entry as an L2 table at offset 0, the header
                throw Qcow2Header.corrupt(name, "entry " + index + " of its " + from + " is flagged but points nowhere");
            }
            return;
        }
        if ((offset & (clusterSize - 1)) != 0) {
            throw Qcow2Header.corrupt(name, "entry " + index + " of its " + from + " points at an L2 table at " + offset + ", not a cluster boundary");
        }
        int c = clusterIndex(offset, "an L2 table (entry " + index + " of its " + from + ")");
        if (l2Tables.get(c)) {
            reference(offset, clusterSize); // shared with a snapshot: one more reference, walked once
            return;
        }
        l2Tables.set(c);
        declare(offset, clusterSize, L2);
    }

    private void declareSnapshots() throws IOException {
        int n = header.snapshots();
        if (n == 0) {
            return;
        }
        long start = header.snapshotsOffset();
        long at = start;
        for (int s = 0; s < n; s++) {
            if (at - start > MAX_SNAPSHOT_TABLE - 40 || at > fileSize - 40) {
                throw snapshotDamage(s, "runs past " + (at > fileSize - 40 ? "the end of the file" : "qemu's 64 MiB limit"));
            }
            LeBytes e = LeBytes.of(file.read(at, 40), name + ": qcow2 snapshot " + s);
            long l1Offset = e.s64be(0);
            long l1Size = e.u32be(8);
            long idLength = e.u32be(12) >>> 16;
            long nameLength = e.u32be(12) & 0xFFFF;
            long extra = e.u32be(36);
            if (extra > MAX_SNAPSHOT_EXTRA) {
                throw snapshotDamage(s, "has " + extra + " bytes of extra data (qemu allows " + MAX_SNAPSHOT_EXTRA + ")");
            }
            if (header.version() >= 3 && extra < 16) {
                throw snapshotDamage(s, "has " + extra + " bytes of extra data, fewer than version 3 requires");
            }
            long length = 40 + extra + idLength + nameLength;
            length = (length + 7) & ~7L;
            if (l1Size > Qcow2Header.MAX_L1_BYTES / 8) {
                throw snapshotDamage(s, "has an L1 table of " + l1Size + " entries (qemu allows " + Qcow2Header.MAX_L1_BYTES / 8 + ")");
            }
            if (l1Size > 0) {
                declare(l1Offset, l1Size * 8, SNAPSHOT_L1);
                snapshotL1s.add(new long[] {l1Offset, l1Size});
            }
            at = Exact.add(at, length, name + ": qcow2 snapshot table");
        }
        if (at > fileSize) {
            throw snapshotDamage(n - 1, "ends past the end of the file");
        }
        declare(start, at - start, SNAPSHOTS);
        for (long[] l1 : snapshotL1s) {
            forEachEntry(l1[0], l1[1], (i, entry) -> declareL2(entry, "snapshot L1 table at " + l1[0], i));
        }
    }

    private Qcow2Exception snapshotDamage(int s, String what) {
        return Qcow2Header.corrupt(name, "snapshot " + s + " of its snapshot table " + what + " (qemu-img cannot open it either)");
    }

    private void declareRefcountBlocks() throws IOException {
        forEachEntry(header.refcountTableOffset(), (long) header.refcountTableClusters() * clusterSize / 8, (i, entry) -> {
            if (entry == 0) {
                return;
            }
            if ((entry & 0x1FF) != 0) {
                throw Qcow2Header.corrupt(name, "entry " + i + " of its refcount table has reserved bits set");
            }
            declare(entry, clusterSize, REFBLOCK);
        });
    }

    // ---- step 2: every L2 entry

    /** Bits 1-8 and 56-61 of a standard cluster descriptor are reserved (qcow2.rst); qemu-img check calls them corruption. */
    private static final long STANDARD_RESERVED = 0x1FEL | 0x3F00_0000_0000_0000L;

    private void walkL2Tables() throws IOException {
        for (int c = l2Tables.nextSetBit(0); c >= 0; c = l2Tables.nextSetBit(c + 1)) {
            long table = (long) c << clusterBits;
            boolean active = activeL2.get(c);
            LeBytes t = LeBytes.of(file.read(table, (int) clusterSize), name + ": qcow2 L2 table at " + table);
            for (long i = 0; i < clusterSize / 8; i++) {
                long entry = t.s64be(i * 8);
                if ((entry & Qcow2BlockDevice.COMPRESSED) != 0) {
                    CompressedCluster cc = CompressedCluster.of(entry, clusterBits);
                    long start = cc.start();
                    long length = cc.length();
                    if (start < clusterSize || start >= fileSize) {
                        throw Qcow2Header.corrupt(name, "entry " + i + " of the L2 table at " + table + " points at compressed data at " + start
                                + ", outside the file");
                    }
                    long inFile = Math.min(length, fileSize - start);
                    requireData(start & ~511L, inFile + (start & 511), table, i);
                    reference(start, inFile);
                    continue;
                }
                if ((entry & STANDARD_RESERVED) != 0 || (header.version() < 3 && (entry & Qcow2BlockDevice.ZERO) != 0)) {
                    throw Qcow2Header.corrupt(name, "entry " + i + " of the L2 table at " + table + " has reserved bits set");
                }
                long host = entry & Qcow2BlockDevice.OFFSET_MASK;
                if (host == 0) {
                    continue;
                }
                if ((host & (clusterSize - 1)) != 0) {
                    throw Qcow2Header.corrupt(name, "entry " + i + " of the L2 table at " + table + " points at " + host + ", not a cluster boundary");
                }
                if (host >= fileSize) {
                    throw Qcow2Header.corrupt(name, "entry " + i + " of the L2 table at " + table + " points at " + host + ", past the end of the "
                            + fileSize + "-byte file");
                }
                requireData(host, Math.min(clusterSize, fileSize - host), table, i);
                reference(host, clusterSize);
                if (active) {
                    noteCopied(entry);
                }
            }
        }
    }

    /** Guest data must never share a cluster with a structure: that is the overwrite qemu's overlap check exists to stop. */
    private void requireData(long offset, long length, long table, long i) throws Qcow2Exception {
        MetadataMap.Extent hit = map.overlap(offset, length);
        if (hit != null) {
            throw Qcow2Header.corrupt(name, "entry " + i + " of the L2 table at " + table + " maps guest data onto " + hit
                    + " (a write there would destroy it)");
        }
    }

    // ---- step 3: the refcounts against the references

    private void compareRefcounts() throws IOException {
        int bits = 1 << header.refcountOrder();
        long perBlock = clusterSize * 8 / bits;
        long tableEntries = (long) header.refcountTableClusters() * clusterSize / 8;
        long[] table = new long[(int) Math.min(tableEntries, (clusters + perBlock - 1) / perBlock)];
        forEachEntry(header.refcountTableOffset(), table.length, (i, entry) -> table[(int) i] = entry);
        for (int c = once.nextSetBit(0); c >= 0; c = once.nextSetBit(c + 1)) {
            long t = c / perBlock;
            long count = 0;
            if (t < table.length && table[(int) t] != 0) {
                // blocks are read in order and each is read once: the walk goes up through the clusters
                count = refcount(table[(int) t], c % perBlock, bits);
            }
            long offset = (long) c << clusterBits;
            if (count == 0) {
                throw Qcow2Header.corrupt(name, "the cluster at " + offset + " is in use but its refcount is 0 (a write could give it away twice)");
            }
            if (count == 1 && twice.get(c)) {
                throw Qcow2Header.corrupt(name, "the cluster at " + offset + " is used twice but counted once (a write to one would change the other)");
            }
            if (copied.get(c) && count != 1) {
                throw Qcow2Header.corrupt(name, "the cluster at " + offset + " is marked as the image's own (COPIED) but its refcount is " + count);
            }
            if (notCopied.get(c) && count == 1) {
                throw Qcow2Header.corrupt(name, "the cluster at " + offset + " has refcount 1 but is not marked as the image's own (COPIED)");
            }
        }
    }

    private long cachedBlock = -1;
    private byte[] cached;

    private long refcount(long block, long index, int bits) throws IOException {
        if (block != cachedBlock) {
            cached = file.read(block, (int) clusterSize);
            cachedBlock = block;
        }
        return Qcow2Refcounts.entry(cached, index, bits, name);
    }

    // ---- helpers

    private void reference(long offset, long length) {
        long first = offset >>> clusterBits;
        long last = (offset + Math.max(length, 1) - 1) >>> clusterBits;
        for (long c = first; c <= last && c < clusters; c++) {
            if (once.get((int) c)) {
                twice.set((int) c);
            } else {
                once.set((int) c);
            }
        }
    }

    private int clusterIndex(long offset, String what) throws Qcow2Exception {
        if (offset >= fileSize) {
            throw new Qcow2Exception(name + ": " + what + " at byte " + offset + " lies beyond the end of the " + fileSize
                    + "-byte file: the image was cut short or is damaged; nothing was written (copy it again, or run 'qemu-img check' on a copy)");
        }
        return (int) (offset >>> clusterBits);
    }

    private long roundUp(long length) {
        return (length + clusterSize - 1) & ~(clusterSize - 1);
    }

    @FunctionalInterface
    private interface EntryVisitor {
        void visit(long index, long entry) throws IOException;
    }

    /** Reads a table of {@code entries} big-endian 64-bit entries in 1 MiB pieces (an L1 table may be 32 MiB). */
    private void forEachEntry(long offset, long entries, EntryVisitor visitor) throws IOException {
        long done = 0;
        while (done < entries) {
            int n = (int) Math.min(entries - done, CHUNK / 8);
            ByteBuffer b = ByteBuffer.allocate(n * 8);
            file.read(offset + done * 8, b);
            for (int k = 0; k < n; k++) {
                visitor.visit(done + k, b.getLong(k * 8));
            }
            done += n;
        }
    }
}
