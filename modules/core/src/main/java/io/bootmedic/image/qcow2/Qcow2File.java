package io.bootmedic.image.qcow2;

import io.bootmedic.format.Exact;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.GuardedFile;
import io.bootmedic.image.block.MetadataMap;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The host file under a qcow2 image, in clusters: bounded reads of metadata and data clusters,
 * writes that grow the file, and the end-of-file pointer where new clusters are allocated. Every
 * write goes through a {@link GuardedFile} over the map the preflight made: guest data never
 * lands in a structure, and a structure is written only inside one of its own kind.
 */
final class Qcow2File {
    private final BlockDevice file;
    private final GuardedFile guard;
    private final String name;
    final int clusterBits;
    final int clusterSize;
    private long nextFree;

    /** @param map the sealed map of a writable image's structures (null: read-only) */
    Qcow2File(BlockDevice file, GuardedFile.Grower grower, MetadataMap map, int clusterBits) {
        this.file = file;
        this.guard = map == null || grower == null ? null : new GuardedFile(file, grower, map);
        this.name = file.describe();
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.nextFree = roundUp(file.size());
    }

    String name() {
        return name;
    }

    long size() {
        return file.size();
    }

    boolean isReadOnly() {
        return file.isReadOnly() || guard == null;
    }

    long roundUp(long offset) {
        long mask = clusterSize - 1L;
        return (offset + mask) & ~mask;
    }

    /** A metadata cluster (L2 table, refcount block): aligned and wholly inside the file, or the image is damaged. */
    byte[] readMetadata(long offset, String what) throws IOException {
        requireCluster(offset, what);
        if (offset > file.size() - clusterSize) {
            throw new Qcow2Exception(name + ": the qcow2 " + what + " at " + offset + " lies beyond the end of the file: the image was cut short, copy it again");
        }
        return file.read(offset, clusterSize);
    }

    /** Host data: the part inside the file is read, what lies past its end reads as zeros (as qemu does). */
    void readData(long offset, ByteBuffer dst) throws IOException {
        long inFile = Math.max(0, Math.min(dst.remaining(), file.size() - offset));
        if (inFile > 0) {
            file.read(offset, dst.slice(dst.position(), (int) inFile));
            dst.position(dst.position() + (int) inFile);
        }
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    /** Checks an offset read from a table: cluster-aligned, below 2^56, starting inside the file. */
    void requireCluster(long offset, String what) throws Qcow2Exception {
        if ((offset & (clusterSize - 1)) != 0) {
            throw Qcow2Header.corrupt(name, "the " + what + " offset " + offset + " is not cluster-aligned");
        }
        if (offset <= 0 || offset >= file.size()) {
            throw new Qcow2Exception(name + ": the qcow2 " + what + " at " + offset + " lies beyond the end of the "
                    + file.size() + "-byte file: the image was cut short, copy it again");
        }
    }

    /** Guest data: refused when it would touch any structure. */
    void writeData(long offset, ByteBuffer data) throws IOException {
        growFor(offset, data.remaining());
        guard.write(offset, data);
    }

    void writeData(long offset, byte[] data) throws IOException {
        writeData(offset, ByteBuffer.wrap(data));
    }

    /** Part of an existing structure of kind {@code what} (an L2 entry, a refcount, a header field). */
    void writeMetadata(long offset, byte[] data, int from, int length, String what) throws IOException {
        growFor(offset, length);
        guard.writeMetadata(offset, ByteBuffer.wrap(data, from, length), what);
    }

    void writeMetadata(long offset, byte[] data, String what) throws IOException {
        writeMetadata(offset, data, 0, data.length, what);
    }

    /** A structure just allocated at the end: declared in the map, then written. */
    void writeNewMetadata(long offset, byte[] data, String what) throws IOException {
        growFor(offset, data.length);
        guard.writeNewMetadata(offset, ByteBuffer.wrap(data), what);
    }

    private void growFor(long offset, long length) throws IOException {
        if (guard == null) {
            throw new IOException(name + " is open read-only");
        }
        long end = Exact.add(offset, length, name + ": write end");
        if (end > file.size()) {
            guard.extend(end);
        }
    }

    /** Reserves {@code count} contiguous clusters at the end of the file (their refcounts are the caller's job). */
    long reserve(long count) throws Qcow2Exception {
        long offset = nextFree;
        long end = offset + count * clusterSize;
        if (count <= 0 || end >= Qcow2Header.MAX_HOST_OFFSET || end < offset) {
            throw new Qcow2Exception(name + ": the qcow2 image cannot grow past 2^56 bytes");
        }
        nextFree = end;
        return offset;
    }

    /** Moves the allocation point past a cluster the refcounts say is taken although it lies at the end. */
    void skip(long offset) {
        nextFree = Math.max(nextFree, offset + clusterSize);
    }

    long nextFree() {
        return nextFree;
    }

    void flush() throws IOException {
        file.flush();
    }

    void close() throws IOException {
        file.close();
    }
}
