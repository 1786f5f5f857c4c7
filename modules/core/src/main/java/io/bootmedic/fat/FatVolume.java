package io.bootmedic.fat;

import io.bootmedic.image.block.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A FAT volume (an EFI system partition) on a block device. Opening it reads the boot sector and the active FAT and
 * walks every directory once, so each cluster's owner is known: a file is only ever written where no other file or
 * directory claims the same cluster, and a volume whose chains loop or cross anywhere near the file is refused.
 */
public final class FatVolume {
    /** An ESP is tens or hundreds of MB; its FAT a few MB. A larger FAT is not an ESP and is not read into memory. */
    static final long MAX_FAT_BYTES = 64L << 20;
    /** The FAT specification's own limit on one directory. */
    static final int MAX_DIR_ENTRIES = 65_536;
    static final int MAX_TOTAL_ENTRIES = 1_000_000;
    static final int MAX_DEPTH = 32;
    private static final int ATTR_VOLUME = 0x08;
    private static final int ATTR_DIRECTORY = 0x10;
    private static final int ATTR_LFN = 0x0F;

    private final BlockDevice device;
    private final BootSector boot;
    private final byte[] fat;
    private final String name;
    /** Clusters some chain (file or directory) uses; and those two chains claim. */
    private final BitSet used = new BitSet();
    private final BitSet crossLinked = new BitSet();
    private final List<String> problems = new ArrayList<>();
    private int entriesSeen;
    private String serial;

    /** One directory entry, its long name assembled and checked. */
    record Entry(String longName, String shortName, int attributes, long firstCluster, long size) {
        boolean isDirectory() {
            return (attributes & ATTR_DIRECTORY) != 0;
        }

        boolean named(String wanted) {
            String w = wanted.toUpperCase(Locale.ROOT);
            return w.equals(shortName.toUpperCase(Locale.ROOT)) || longName != null && w.equals(longName.toUpperCase(Locale.ROOT));
        }
    }

    private FatVolume(BlockDevice device, BootSector boot, byte[] fat) {
        this.device = device;
        this.boot = boot;
        this.fat = fat;
        this.name = device.describe();
    }

    public static FatVolume open(BlockDevice device) throws IOException {
        String name = device.describe();
        if (device.size() < 512) {
            throw new FatFormatException(name + ": " + device.size() + " bytes, smaller than a boot sector; not a FAT volume");
        }
        byte[] first = device.read(0, 512);
        BootSector boot = BootSector.parse(first, device.size(), name);
        long fatBytes = boot.fatSectors() * boot.bytesPerSector();
        if (fatBytes > MAX_FAT_BYTES) {
            throw new FatFormatException(name + ": its FAT is " + fatBytes + " bytes, more than an EFI system partition's (" + MAX_FAT_BYTES + ")");
        }
        // only the entries that describe clusters are needed
        long needed = (boot.type() * (boot.clusterCount() + 2) + 7) / 8 + 1;
        byte[] fat = device.read(boot.fatOffset(), (int) Math.min(fatBytes, needed));
        FatVolume v = new FatVolume(device, boot, fat);
        long id = BootSector.u32(first, boot.type() == BootSector.FAT32 ? 0x43 : 0x27);
        v.serial = String.format("%04X-%04X", id >>> 16, id & 0xFFFF);
        v.scan();
        return v;
    }

    public String describe() {
        return name;
    }

    /** The volume serial number as Windows' "vol" shows it: "1A2B-3C4D". */
    public String serial() {
        return serial;
    }

    /** "FAT12", "FAT16" or "FAT32". */
    public String typeName() {
        return "FAT" + boot.type();
    }

    /** Damage the scan found (crossed or looping chains): a file touching it is never written. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** A regular file by path ("EFI/Microsoft/Boot/BCD"), names matched case-insensitively (long or short). */
    public Optional<FatFile> find(String path) throws IOException {
        String[] parts = path.replace('\\', '/').split("/");
        List<Entry> dir = rootEntries();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                continue;
            }
            List<Entry> matches = dir.stream().filter(e -> e.named(part)).toList();
            if (matches.isEmpty()) {
                return Optional.empty();
            }
            if (matches.size() > 1) {
                throw new FatFormatException(name + ": two entries are named '" + part + "' in one directory; the file system is damaged (run chkdsk)");
            }
            Entry e = matches.get(0);
            boolean last = i == parts.length - 1;
            if (!last) {
                if (!e.isDirectory()) {
                    return Optional.empty();
                }
                dir = directory(e.firstCluster(), String.join("/", Arrays.copyOf(parts, i + 1)));
                continue;
            }
            if (e.isDirectory()) {
                throw new FatFormatException(name + ": " + path + " is a directory, not a file");
            }
            return Optional.of(file(path, e));
        }
        return Optional.empty();
    }

    /** The whole file, at most {@code max} bytes. */
    public byte[] read(FatFile f, long max) throws IOException {
        if (f.size() > max) {
            throw new FatFormatException(name + ": " + f.path() + " is " + f.size() + " bytes, more than the " + max + " read");
        }
        byte[] out = new byte[(int) f.size()];
        int at = 0;
        for (long[] r : f.ranges()) {
            device.read(r[0], ByteBuffer.wrap(out, at, (int) r[1]));
            at += (int) r[1];
        }
        return out;
    }

    /**
     * Replaces the file's bytes in place: same length, only the clusters the file owns, and only while they still hold
     * {@code expected} (a file changed since it was read is left alone). Read back before returning.
     */
    public void overwrite(FatFile f, byte[] expected, byte[] content) throws IOException {
        if (content.length != f.size() || expected.length != f.size()) {
            throw new FatFormatException(name + ": " + f.path() + " is " + f.size() + " bytes; an in-place write keeps that length, not "
                    + content.length);
        }
        if (device.isReadOnly()) {
            throw new IOException(name + " is open read-only; " + f.path() + " was not written");
        }
        if (!Arrays.equals(read(f, f.size()), expected)) {
            throw new IOException(name + ": " + f.path() + " changed since it was read; it was not written. Run bootmedic again.");
        }
        int at = 0;
        for (long[] r : f.ranges()) {
            device.write(r[0], ByteBuffer.wrap(content, at, (int) r[1]));
            at += (int) r[1];
        }
        device.flush();
        if (!Arrays.equals(read(f, f.size()), content)) {
            throw new IOException(name + ": " + f.path() + " did not read back as written; the original is in the host-side copy");
        }
    }

    private FatFile file(String path, Entry e) throws FatFormatException {
        long clusterBytes = boot.clusterBytes();
        long need = (e.size() + clusterBytes - 1) / clusterBytes;
        if (e.size() == 0) {
            if (e.firstCluster() != 0) {
                throw new FatFormatException(name + ": " + path + " is empty but names cluster " + e.firstCluster());
            }
            return new FatFile(path, 0, 0, List.of());
        }
        List<Long> chain = chain(e.firstCluster(), path);
        if (chain.size() != need) {
            throw new FatFormatException(name + ": " + path + " is " + e.size() + " bytes, which needs " + need + " clusters, but its chain has "
                    + chain.size() + "; the file system is damaged (run chkdsk)");
        }
        List<long[]> ranges = new ArrayList<>();
        long left = e.size();
        for (long c : chain) {
            if (crossLinked.get((int) c)) {
                throw new FatFormatException(name + ": " + path + " shares cluster " + c + " with another file or directory; "
                        + "the file system is damaged (run chkdsk) and bootmedic does not write there");
            }
            long len = Math.min(left, clusterBytes);
            long off = boot.clusterOffset(c);
            if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[0] + ranges.get(ranges.size() - 1)[1] == off) {
                ranges.get(ranges.size() - 1)[1] += len;
            } else {
                ranges.add(new long[] {off, len});
            }
            left -= len;
        }
        return new FatFile(path, e.size(), e.firstCluster(), ranges);
    }

    /** Reads every directory once, marking each chain's clusters; a cluster claimed twice is cross-linked. */
    private void scan() throws IOException {
        if (boot.type() == BootSector.FAT32) {
            claim(chain(boot.rootCluster(), "the root directory"), "the root directory");
        }
        walk(rootEntries(), "", 0);
    }

    private void walk(List<Entry> entries, String at, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new FatFormatException(name + ": directories nest deeper than " + MAX_DEPTH + " at " + at + "; the file system is damaged");
        }
        for (Entry e : entries) {
            if (e.firstCluster() == 0) {
                continue;
            }
            String path = at + "/" + (e.longName() != null ? e.longName() : e.shortName());
            List<Long> chain;
            try {
                chain = chain(e.firstCluster(), path);
            } catch (FatFormatException bad) {
                // a broken chain elsewhere is reported; a file that needs it is refused when asked for
                problems.add(bad.getMessage());
                continue;
            }
            boolean fresh = claim(chain, path);
            if (e.isDirectory() && fresh) {
                walk(readDirectory(chain, path), path, depth + 1);
            }
        }
    }

    /** Marks a chain's clusters used; false when any was already used (then it is not walked into). */
    private boolean claim(List<Long> chain, String path) {
        boolean fresh = true;
        for (long c : chain) {
            if (used.get((int) c)) {
                crossLinked.set((int) c);
                fresh = false;
            }
            used.set((int) c);
        }
        if (!fresh) {
            problems.add(name + ": " + path + " is cross-linked with another file or directory");
        }
        return fresh;
    }

    private List<Entry> rootEntries() throws IOException {
        if (boot.type() == BootSector.FAT32) {
            return readDirectory(chain(boot.rootCluster(), "the root directory"), "/");
        }
        int bytes = (int) (boot.rootEntries() * 32);
        return entries(device.read(boot.rootDirOffset(), bytes), "/");
    }

    private List<Entry> directory(long firstCluster, String path) throws IOException {
        if (firstCluster == 0) {
            return rootEntries(); // ".." of a first-level directory
        }
        return readDirectory(chain(firstCluster, path), path);
    }

    private List<Entry> readDirectory(List<Long> chain, String path) throws IOException {
        long bytes = chain.size() * boot.clusterBytes();
        if (bytes > MAX_DIR_ENTRIES * 32L) {
            throw new FatFormatException(name + ": directory " + path + " is " + bytes + " bytes, more than FAT's " + MAX_DIR_ENTRIES + " entries");
        }
        byte[] raw = new byte[(int) bytes];
        int at = 0;
        for (long c : chain) {
            device.read(boot.clusterOffset(c), ByteBuffer.wrap(raw, at, (int) boot.clusterBytes()));
            at += (int) boot.clusterBytes();
        }
        return entries(raw, path);
    }

    /** The live entries of a directory's bytes, "." and ".." and the volume label left out. */
    private List<Entry> entries(byte[] raw, String path) throws FatFormatException {
        List<Entry> out = new ArrayList<>();
        StringBuilder lfn = null;
        int lfnChecksum = -1;
        int lfnNext = 0;
        for (int off = 0; off + 32 <= raw.length; off += 32) {
            int first = raw[off] & 0xFF;
            if (first == 0x00) {
                break;
            }
            if (first == 0xE5) {
                lfn = null;
                continue;
            }
            if (++entriesSeen > MAX_TOTAL_ENTRIES) {
                throw new FatFormatException(name + ": more than " + MAX_TOTAL_ENTRIES + " directory entries; not an EFI system partition");
            }
            int attr = raw[off + 11] & 0xFF;
            if ((attr & 0x3F) == ATTR_LFN) {
                int ord = first & 0x3F;
                if ((first & 0x40) != 0) {
                    lfn = new StringBuilder();
                    lfnChecksum = raw[off + 13] & 0xFF;
                    lfnNext = ord;
                }
                if (lfn == null || ord != lfnNext || ord == 0 || ord > 20 || (raw[off + 13] & 0xFF) != lfnChecksum) {
                    lfn = null; // an orphan or out-of-order part: ignored, as Windows does; the short name still works
                    continue;
                }
                lfn.insert(0, lfnPart(raw, off));
                lfnNext = ord - 1;
                continue;
            }
            byte[] shortRaw = Arrays.copyOfRange(raw, off, off + 11);
            if (shortRaw[0] == 0x05) {
                shortRaw[0] = (byte) 0xE5;
            }
            String longName = lfn != null && lfnNext == 0 && checksum(raw, off) == lfnChecksum ? lfn.toString() : null;
            lfn = null;
            if ((attr & ATTR_VOLUME) != 0) {
                continue;
            }
            String base = new String(shortRaw, 0, 8, StandardCharsets.ISO_8859_1).stripTrailing();
            String ext = new String(shortRaw, 8, 3, StandardCharsets.ISO_8859_1).stripTrailing();
            if (base.equals(".") || base.equals("..")) {
                continue;
            }
            long cluster = BootSector.u16(raw, off + 26) | (boot.type() == BootSector.FAT32 ? (long) BootSector.u16(raw, off + 20) << 16 : 0);
            long size = BootSector.u32(raw, off + 28);
            if ((attr & ATTR_DIRECTORY) != 0) {
                size = 0;
            }
            out.add(new Entry(longName, ext.isEmpty() ? base : base + "." + ext, attr, cluster, size));
        }
        return out;
    }

    private static String lfnPart(byte[] raw, int off) {
        StringBuilder sb = new StringBuilder();
        int[][] spans = {{1, 5}, {14, 6}, {28, 2}};
        for (int[] span : spans) {
            for (int i = 0; i < span[1]; i++) {
                char c = (char) BootSector.u16(raw, off + span[0] + 2 * i);
                if (c == 0 || c == 0xFFFF) {
                    return sb.toString();
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The 8.3 name's checksum every long-name part carries. */
    private static int checksum(byte[] raw, int off) {
        int sum = 0;
        for (int i = 0; i < 11; i++) {
            sum = (((sum & 1) << 7) + (sum >> 1) + (raw[off + i] & 0xFF)) & 0xFF;
        }
        return sum;
    }

    /** A cluster chain, each link checked: inside the volume, not free or bad, ending in an end mark, no loop. */
    private List<Long> chain(long first, String path) throws FatFormatException {
        long max = boot.clusterCount() + 1;
        if (first < 2 || first > max) {
            throw new FatFormatException(name + ": " + path + " starts at cluster " + first + ", outside the volume's 2.." + max);
        }
        List<Long> out = new ArrayList<>();
        BitSet seen = new BitSet();
        long c = first;
        while (true) {
            if (seen.get((int) c)) {
                throw new FatFormatException(name + ": the cluster chain of " + path + " loops at cluster " + c + "; the file system is damaged");
            }
            seen.set((int) c);
            out.add(c);
            long next = entry(c);
            if (next >= endMark()) {
                return out;
            }
            if (next < 2 || next > max) {
                throw new FatFormatException(name + ": the cluster chain of " + path + " breaks at cluster " + c + " (next: "
                        + (next == 0 ? "free" : next == endMark() - 1 ? "bad cluster" : next) + "); the file system is damaged (run chkdsk)");
            }
            c = next;
        }
    }

    private long endMark() {
        return switch (boot.type()) {
            case BootSector.FAT12 -> 0xFF8;
            case BootSector.FAT16 -> 0xFFF8;
            default -> 0x0FFFFFF8L;
        };
    }

    private long entry(long cluster) throws FatFormatException {
        long off;
        long value;
        switch (boot.type()) {
            case BootSector.FAT12 -> {
                off = cluster + cluster / 2;
                check(off + 2, cluster);
                int pair = BootSector.u16(fat, (int) off);
                value = (cluster & 1) == 0 ? pair & 0xFFF : pair >>> 4;
            }
            case BootSector.FAT16 -> {
                off = cluster * 2;
                check(off + 2, cluster);
                value = BootSector.u16(fat, (int) off);
            }
            default -> {
                off = cluster * 4;
                check(off + 4, cluster);
                value = BootSector.u32(fat, (int) off) & 0x0FFFFFFFL;
            }
        }
        return value;
    }

    private void check(long end, long cluster) throws FatFormatException {
        if (end > fat.length) {
            throw new FatFormatException(name + ": cluster " + cluster + " has no FAT entry");
        }
    }
}
