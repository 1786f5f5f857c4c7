package io.bootmedic.image.qcow2;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small least-recently-used cache of metadata clusters (L2 tables, refcount blocks) keyed by
 * host offset, bounded in bytes so that a 64 TiB image costs what a 1 GiB one does.
 */
final class Qcow2ClusterCache {
    private static final long BUDGET = 4L << 20;
    private final LinkedHashMap<Long, byte[]> tables;

    Qcow2ClusterCache(int clusterSize) {
        int max = (int) Math.max(2, BUDGET / clusterSize);
        this.tables = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > max;
            }
        };
    }

    byte[] get(long offset) {
        return tables.get(offset);
    }

    void put(long offset, byte[] table) {
        tables.put(offset, table);
    }

    void forget(long offset) {
        tables.remove(offset);
    }
}
