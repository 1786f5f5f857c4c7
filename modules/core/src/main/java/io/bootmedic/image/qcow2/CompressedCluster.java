package io.bootmedic.image.qcow2;

/**
 * A compressed cluster's L2 descriptor (qcow2.rst, "Compressed Clusters Descriptor"): the host
 * byte offset where its deflate data starts and how many 512-byte sectors it spans. One decoder
 * for the reader, the writer's reference counting and the preflight, so they cannot disagree.
 */
record CompressedCluster(long start, long sectors) {
    static CompressedCluster of(long entry, int clusterBits) {
        int sizeShift = 62 - (clusterBits - 8);
        long sizeMask = (1L << (clusterBits - 8)) - 1;
        return new CompressedCluster(entry & ((1L << sizeShift) - 1), ((entry >>> sizeShift) & sizeMask) + 1);
    }

    /** Bytes of data from {@link #start} to the end of its last sector. */
    long length() {
        return sectors * 512 - (start & 511);
    }

    /** The first host sector it touches: references are counted from there. */
    long firstSector() {
        return start & ~511L;
    }
}
