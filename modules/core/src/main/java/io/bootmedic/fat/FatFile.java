package io.bootmedic.fat;

import java.util.List;

/**
 * A regular file found by path: its size and the device byte ranges that hold its bytes, in order.
 *
 * @param path   as asked for, for messages
 * @param ranges [offset, length] on the volume's device, covering exactly {@code size} bytes
 */
public record FatFile(String path, long size, long firstCluster, List<long[]> ranges) {
    public FatFile {
        ranges = List.copyOf(ranges);
    }
}
