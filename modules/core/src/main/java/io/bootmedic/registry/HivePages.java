package io.bootmedic.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random access to a hive file in 4 KiB pages with a bounded cache: a SOFTWARE hive can be 100 MB,
 * and reading a handful of keys should cost a handful of pages, not the whole file.
 */
final class HivePages {
    private static final int PAGE = 4096;
    private static final int MAX_PAGES = 2048;
    private final SeekableByteChannel channel;
    private final long size;
    private final Map<Long, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > MAX_PAGES;
        }
    };

    HivePages(SeekableByteChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
    }

    long size() {
        return size;
    }

    /** Exactly {@code length} bytes at {@code offset}, or an error if the file is shorter. */
    byte[] read(long offset, int length) throws IOException {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new HiveFormatException("hive is truncated: needs bytes " + offset + ".." + (offset + length) + " of a " + size + "-byte file");
        }
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long pos = offset + done;
            long pageNo = pos / PAGE;
            byte[] page = page(pageNo);
            int inPage = (int) (pos - pageNo * PAGE);
            int n = Math.min(length - done, page.length - inPage);
            if (n <= 0) {
                throw new HiveFormatException("hive ends inside a cell at byte " + pos);
            }
            System.arraycopy(page, inPage, out, done, n);
            done += n;
        }
        return out;
    }

    private byte[] page(long pageNo) throws IOException {
        byte[] cached = cache.get(pageNo);
        if (cached != null) {
            return cached;
        }
        long start = pageNo * PAGE;
        int len = (int) Math.min(PAGE, size - start);
        ByteBuffer buf = ByteBuffer.allocate(len);
        channel.position(start);
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new HiveFormatException("hive file ended early at byte " + (start + buf.position()) + ": it was truncated while being read");
            }
        }
        cache.put(pageNo, buf.array());
        return buf.array();
    }
}
