package io.bootmedic.image.qcow2;

import io.bootmedic.format.Exact;
import io.bootmedic.format.LeBytes;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The qcow2 reference counts: the refcount table (kept in memory, at most 8 MiB as qemu allows)
 * and refcount blocks read on demand. Allocation appends clusters at the end of the file; a
 * missing refcount block is created (describing itself when it can), and a full refcount table
 * is copied into a larger one. Every change is ordered so that a crash leaves at worst leaked
 * clusters (which 'qemu-img check -r leaks' reclaims), never a pointer to a cluster counted as free.
 */
final class Qcow2Refcounts {
    private static final long ENTRY_OFFSET_MASK = ~0x1FFL;
    private final Qcow2File file;
    private final Qcow2ClusterCache blocks;
    private final int bits;
    private final long entriesPerBlock;
    private final long maxValue;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    private boolean growing;

    Qcow2Refcounts(Qcow2File file, Qcow2Header header) throws IOException {
        this.file = file;
        this.blocks = new Qcow2ClusterCache(file.clusterSize);
        this.bits = 1 << header.refcountOrder();
        this.entriesPerBlock = (long) file.clusterSize * 8 / bits;
        this.maxValue = bits == 64 ? Long.MAX_VALUE : (1L << bits) - 1;
        this.tableOffset = header.refcountTableOffset();
        this.tableClusters = header.refcountTableClusters();
        int bytes = Exact.requireAtMost((long) tableClusters * file.clusterSize, Qcow2Header.MAX_REFTABLE_BYTES, file.name() + ": refcount table");
        LeBytes raw = LeBytes.of(read(tableOffset, bytes), file.name() + ": qcow2 refcount table");
        this.table = new long[bytes / 8];
        for (int i = 0; i < table.length; i++) {
            table[i] = raw.s64be(i * 8L);
        }
    }

    private byte[] read(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        file.readData(offset, b);
        return b.array();
    }

    /** The refcount of the host cluster at {@code offset}. */
    long get(long offset) throws IOException {
        long index = offset >>> file.clusterBits;
        byte[] block = block(index / entriesPerBlock);
        return block == null ? 0 : entry(block, index % entriesPerBlock);
    }

    /** The refcount block for table index {@code t}, or null when none is allocated. */
    private byte[] block(long t) throws IOException {
        if (t >= table.length) {
            return null;
        }
        long offset = table[(int) t] & ENTRY_OFFSET_MASK;
        if (offset == 0) {
            return null;
        }
        byte[] b = blocks.get(offset);
        if (b == null) {
            b = file.readMetadata(offset, "refcount block");
            blocks.put(offset, b);
        }
        return b;
    }

    private long entry(byte[] block, long i) throws IOException {
        return entry(block, i, bits, file.name());
    }

    /** Refcount {@code i} of a block whose entries are {@code bits} wide (1..64). */
    static long entry(byte[] block, long i, int bits, String name) throws IOException {
        LeBytes v = LeBytes.of(block, name + ": qcow2 refcount block");
        long value = switch (bits) {
            case 1, 2, 4 -> (v.u8(i * bits / 8) >>> (int) (i * bits % 8)) & ((1 << bits) - 1);
            case 8 -> v.u8(i);
            case 16 -> (v.u8(i * 2) << 8) | v.u8(i * 2 + 1);
            case 32 -> v.u32be(i * 4);
            default -> v.s64be(i * 8);
        };
        if (value < 0) {
            throw Qcow2Header.corrupt(name, "a refcount is above 2^63");
        }
        return value;
    }

    private void setEntry(byte[] block, long i, long value) {
        switch (bits) {
            case 1, 2, 4 -> {
                int at = (int) (i * bits / 8);
                int shift = (int) (i * bits % 8);
                int mask = ((1 << bits) - 1) << shift;
                block[at] = (byte) ((block[at] & ~mask) | ((int) value << shift & mask));
            }
            case 8 -> block[(int) i] = (byte) value;
            case 16 -> ByteBuffer.wrap(block).putShort((int) i * 2, (short) value);
            case 32 -> ByteBuffer.wrap(block).putInt((int) i * 4, (int) value);
            default -> ByteBuffer.wrap(block).putLong((int) i * 8, value);
        }
    }

    /** Where one refcount entry lives in the file, and its bytes, for a narrow write. */
    private void writeEntry(long blockOffset, byte[] block, long i) throws IOException {
        int from;
        int length;
        if (bits < 8) {
            from = (int) (i * bits / 8);
            length = 1;
        } else {
            length = bits / 8;
            from = (int) i * length;
        }
        file.writeMetadata(blockOffset + from, block, from, length, Qcow2Preflight.REFBLOCK);
    }

    /** Adds {@code delta} to the refcount of the host cluster at {@code offset}. */
    void add(long offset, long delta) throws IOException {
        long index = offset >>> file.clusterBits;
        long t = index / entriesPerBlock;
        ensureBlock(t);
        long blockOffset = table[(int) t] & ENTRY_OFFSET_MASK;
        byte[] block = block(t);
        long i = index % entriesPerBlock;
        long value = entry(block, i) + delta;
        if (value < 0 || value > maxValue) {
            throw new Qcow2Exception(file.name() + ": the refcount of the qcow2 cluster at " + offset + " would become " + value
                    + "; run 'qemu-img check -r all " + file.name() + "'");
        }
        setEntry(block, i, value);
        writeEntry(blockOffset, block, i);
    }

    /** Adds {@code delta} to every host cluster that the bytes {@code [start, start+length)} touch. */
    void addRange(long start, long length, long delta) throws IOException {
        long first = start & ~(file.clusterSize - 1L);
        for (long c = first; c < start + length; c += file.clusterSize) {
            add(c, delta);
        }
    }

    /**
     * Allocates {@code count} contiguous clusters at the end of the file with refcount 1 each.
     * The caller writes them; the refcounts are written (not yet flushed) when this returns.
     */
    long allocate(int count) throws IOException {
        long offset = reserveFree(count);
        for (int k = 0; k < count; k++) {
            add(offset + (long) k * file.clusterSize, 1);
        }
        return offset;
    }

    /** Reserves clusters at the end, past any the refcounts already count (a damaged image could claim some). */
    long reserveFree(int count) throws IOException {
        for (int tries = 0; tries < 1_000_000; tries++) {
            long offset = file.reserve(count);
            boolean free = true;
            for (int k = 0; k < count && free; k++) {
                long c = offset + (long) k * file.clusterSize;
                if (get(c) != 0) {
                    file.skip(c);
                    free = false;
                }
            }
            if (free) {
                return offset;
            }
        }
        throw Qcow2Header.corrupt(file.name(), "its refcounts claim clusters far beyond the end of the file");
    }

    /** Makes sure table index {@code t} has a refcount block, creating it (and growing the table) as needed. */
    private void ensureBlock(long t) throws IOException {
        if (t >= table.length) {
            growTable(t);
        }
        if ((table[(int) t] & ENTRY_OFFSET_MASK) != 0) {
            return;
        }
        long offset = reserveFree(1);
        long index = offset >>> file.clusterBits;
        byte[] block = new byte[file.clusterSize];
        boolean self = index / entriesPerBlock == t;
        if (self) {
            setEntry(block, index % entriesPerBlock, 1);
        }
        file.writeNewMetadata(offset, block, Qcow2Preflight.REFBLOCK);
        blocks.put(offset, block);
        if (!self) {
            add(offset, 1);
        }
        file.flush();
        table[(int) t] = offset;
        file.writeMetadata(tableOffset + t * 8, ByteBuffer.allocate(8).putLong(0, offset).array(), Qcow2Preflight.REFTABLE);
        file.flush();
    }

    /**
     * Copies the refcount table into a larger one at the end of the file: new table and the
     * refcounts of its clusters first, then the header points at it, then the old one is freed.
     */
    private void growTable(long needed) throws IOException {
        if (growing) {
            throw new Qcow2Exception(file.name() + ": the qcow2 refcount table could not grow to cover itself");
        }
        long perCluster = file.clusterSize / 8;
        long wantEntries = Math.max((long) table.length * 2, needed + 1 + perCluster);
        long clusters = (wantEntries + perCluster - 1) / perCluster;
        if (clusters * file.clusterSize > Qcow2Header.MAX_REFTABLE_BYTES) {
            throw new Qcow2Exception(file.name() + ": the qcow2 refcount table would grow past qemu's 8 MiB limit");
        }
        growing = true;
        try {
            long[] oldTable = table;
            long oldOffset = tableOffset;
            int oldClusters = tableClusters;
            long newOffset = reserveFree((int) clusters);
            long[] grown = java.util.Arrays.copyOf(oldTable, (int) (clusters * perCluster));
            table = grown;
            tableOffset = newOffset;
            tableClusters = (int) clusters;
            file.writeNewMetadata(newOffset, tableBytes(), Qcow2Preflight.REFTABLE);
            for (long k = 0; k < clusters; k++) {
                add(newOffset + k * file.clusterSize, 1);
            }
            file.writeMetadata(newOffset, tableBytes(), Qcow2Preflight.REFTABLE); // with the entries of blocks made for the table itself
            file.flush();
            ByteBuffer header = ByteBuffer.allocate(12).putLong(0, newOffset).putInt(8, (int) clusters);
            file.writeMetadata(48, header.array(), Qcow2Preflight.HEADER);
            file.flush();
            for (long k = 0; k < oldClusters; k++) {
                add(oldOffset + k * file.clusterSize, -1);
            }
            file.flush();
        } finally {
            growing = false;
        }
    }

    private byte[] tableBytes() {
        ByteBuffer b = ByteBuffer.allocate(table.length * 8);
        for (long e : table) {
            b.putLong(e);
        }
        return b.array();
    }
}
