package io.bootmedic.image.qcow2;

import io.bootmedic.format.Exact;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The qcow2 header (version 2 and 3) and its header extensions, as qemu's docs/interop/qcow2.rst
 * lays them out (all numbers big-endian). {@link #parse} checks every field against the file and
 * against the limits qemu itself has (cluster size 512 B..2 MiB, L1 table at most 32 MiB,
 * refcount table at most 8 MiB), so nothing sized by the header is allocated before it is bounded.
 */
public record Qcow2Header(
        int version,
        int clusterBits,
        long virtualSize,
        int l1Size,
        long l1Offset,
        long refcountTableOffset,
        int refcountTableClusters,
        int snapshots,
        long snapshotsOffset,
        long incompatible,
        long compatible,
        long autoclear,
        int refcountOrder,
        int headerLength,
        int compressionType,
        String backingFile,
        String backingFormat,
        Map<Integer, String> incompatibleNames) {

    private static final byte[] MAGIC = {'Q', 'F', 'I', (byte) 0xFB};
    public static final long DIRTY = 1, CORRUPT = 2, EXTERNAL_DATA = 4, COMPRESSION_TYPE = 8, EXTENDED_L2 = 16;
    static final long KNOWN_INCOMPATIBLE = DIRTY | CORRUPT | EXTERNAL_DATA | COMPRESSION_TYPE | EXTENDED_L2;
    /** qemu's own limits (QCOW_MAX_L1_SIZE, QCOW_MAX_REFTABLE_SIZE, QCOW_MAX_SNAPSHOTS). */
    static final int MAX_L1_BYTES = 32 << 20;
    static final int MAX_REFTABLE_BYTES = 8 << 20;
    static final int MAX_SNAPSHOTS = 65536;
    /** Offsets in L1/L2 and refcount entries have 56 bits. */
    static final long MAX_HOST_OFFSET = 1L << 56;
    /** The fixed header's length in version 2, and its least length in version 3. */
    static final int V2_LENGTH = 72, V3_MIN_LENGTH = 104;

    private static final int EXT_END = 0, EXT_BACKING_FORMAT = 0xe2792aca, EXT_FEATURE_NAMES = 0x6803f857;

    public long clusterSize() {
        return 1L << clusterBits;
    }

    public boolean has(long incompatibleBit) {
        return (incompatible & incompatibleBit) != 0;
    }

    /** Whether a file starts with the qcow magic (any version). */
    public static boolean isQcow(byte[] start) {
        return start.length >= 4 && java.util.Arrays.equals(start, 0, 4, MAGIC, 0, 4);
    }

    /**
     * Parses the header in {@code first} (the start of the file, at least the first cluster or the
     * whole file when shorter) of a file of {@code fileSize} bytes named {@code name}.
     */
    public static Qcow2Header parse(byte[] first, long fileSize, String name) throws FormatException {
        LeBytes h = LeBytes.of(first, name + ": qcow2 header");
        if (first.length < V2_LENGTH || !isQcow(first)) {
            throw new Qcow2Exception(name + " is too short to hold a qcow2 header (" + fileSize + " bytes): it was cut short, copy it again");
        }
        long version = h.u32be(4);
        if (version == 1) {
            throw new Qcow2Exception(name + " is an old qcow (version 1) image, which bootmedic does not read: convert it with"
                    + " 'qemu-img convert -O qcow2 " + name + " new.qcow2' and run bootmedic on new.qcow2");
        }
        if (version != 2 && version != 3) {
            throw new Qcow2Exception(name + " has qcow2 version " + version + ", which bootmedic does not know (2 and 3 are):"
                    + " convert it with 'qemu-img convert -O raw' first");
        }
        long clusterBits = h.u32be(20);
        if (clusterBits < 9 || clusterBits > 21) {
            throw corrupt(name, "its cluster_bits (" + clusterBits + ") is outside 9..21");
        }
        int cb = (int) clusterBits;
        long clusterSize = 1L << cb;
        long virtualSize = h.u64be(24, "virtual size");
        long crypt = h.u32be(32);
        if (crypt != 0) {
            String how = crypt == 1 ? "old AES encryption" : crypt == 2 ? "LUKS encryption" : "encryption method " + crypt;
            throw new Qcow2Exception(name + " is a qcow2 image with " + how + ", which bootmedic cannot read: decrypt it with"
                    + " 'qemu-img convert --object secret,id=sec0,file=PASSFILE --image-opts driver=qcow2,file.filename=" + name
                    + ",encrypt.key-secret=sec0 -O raw plain.img' and run bootmedic on plain.img");
        }
        long l1Size = h.u32be(36);
        long l1Offset = h.u64be(40, "L1 table offset");
        long refOffset = h.u64be(48, "refcount table offset");
        long refClusters = h.u32be(56);
        long snapshots = h.u32be(60);
        long snapshotsOffset = h.u64be(64, "snapshot table offset");

        long incompatible = 0, compatible = 0, autoclear = 0;
        long refcountOrder = 4;
        long headerLength = V2_LENGTH;
        int compressionType = 0;
        if (version == 3) {
            Exact.requireRange(0, V3_MIN_LENGTH, first.length, name + ": qcow2 version 3 header");
            incompatible = h.s64be(72);
            compatible = h.s64be(80);
            autoclear = h.s64be(88);
            refcountOrder = h.u32be(96);
            headerLength = h.u32be(100);
            if (headerLength < V3_MIN_LENGTH || headerLength % 8 != 0 || headerLength > clusterSize) {
                throw corrupt(name, "its header length (" + headerLength + ") is impossible");
            }
            if (refcountOrder > 6) {
                throw corrupt(name, "its refcount_order (" + refcountOrder + ") is above 6");
            }
            if (headerLength > 104) {
                compressionType = h.u8(104);
            }
        }
        Exact.requireRange(0, headerLength, first.length, name + ": qcow2 header");

        // header extensions: they end at the backing file name, or at the end of the first cluster
        long backingOffset = h.u64be(8, "backing file offset");
        long backingSize = h.u32be(16);
        long extEnd = backingOffset != 0 ? Math.min(backingOffset, clusterSize) : clusterSize;
        extEnd = Math.min(extEnd, first.length);
        String backingFormat = null;
        Map<Integer, String> names = new HashMap<>();
        long at = headerLength;
        while (at + 8 <= extEnd) {
            long type = h.u32be(at);
            long len = h.u32be(at + 4);
            if (type == EXT_END) {
                break;
            }
            long dataEnd = Exact.requireRange(at + 8, len, extEnd, name + ": qcow2 header extension " + Long.toHexString(type));
            if ((int) type == EXT_BACKING_FORMAT) {
                if (len > 16) {
                    throw corrupt(name, "its backing format name is " + len + " bytes long");
                }
                backingFormat = h.ascii(at + 8, len);
            } else if ((int) type == EXT_FEATURE_NAMES) {
                for (long e = at + 8; e + 48 <= dataEnd; e += 48) {
                    if (h.u8(e) == 0 && h.u8(e + 1) < 64) {
                        names.put(h.u8(e + 1), cString(h.bytes(e + 2, 46)));
                    }
                }
            }
            at = Exact.add(dataEnd, (8 - len % 8) % 8, name + ": qcow2 header extension end");
        }

        long unknown = incompatible & ~KNOWN_INCOMPATIBLE;
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            String what = names.containsKey(bit) ? "'" + io.bootmedic.format.Printable.of(names.get(bit)) + "' (incompatible feature bit " + bit + ")" : "incompatible feature bit " + bit;
            throw new Qcow2Exception(name + " uses the qcow2 feature " + what + ", which bootmedic does not know: convert it with"
                    + " 'qemu-img convert -O raw " + name + " disk.img' and run bootmedic on disk.img");
        }
        if ((incompatible & EXTERNAL_DATA) != 0) {
            throw new Qcow2Exception(name + " keeps its data in an external data file, which bootmedic does not follow: convert it with"
                    + " 'qemu-img convert -O raw " + name + " disk.img' and run bootmedic on disk.img");
        }
        if ((incompatible & EXTENDED_L2) != 0) {
            throw new Qcow2Exception(name + " uses extended L2 entries (subclusters), which bootmedic does not handle: convert it with"
                    + " 'qemu-img convert -O qcow2 " + name + " plain.qcow2' (or -O raw) and run bootmedic on the copy");
        }
        if ((incompatible & COMPRESSION_TYPE) != 0 || compressionType != 0) {
            if (compressionType == 0 || (incompatible & COMPRESSION_TYPE) == 0) {
                throw corrupt(name, "its compression type bit and field disagree");
            }
            String type = compressionType == 1 ? "zstd" : "type " + compressionType;
            throw new Qcow2Exception(name + " uses " + type + " compression, which bootmedic cannot read (only zlib): convert it with"
                    + " 'qemu-img convert -O raw " + name + " disk.img' and run bootmedic on disk.img");
        }

        // the tables: aligned, inside the file, within qemu's limits (checked before anything is allocated)
        long l2Entries = clusterSize / 8;
        long neededL1 = ceilDiv(virtualSize, clusterSize * l2Entries);
        if (neededL1 > MAX_L1_BYTES / 8) {
            throw corrupt(name, "its virtual size (" + virtualSize + " bytes) needs an L1 table above qemu's 32 MiB limit");
        }
        Exact.requireAtMost(l1Size, MAX_L1_BYTES / 8, name + ": qcow2 L1 table entries");
        if (l1Size > 0) {
            requireTable(name, "L1 table", l1Offset, l1Size * 8, clusterSize, fileSize);
        }
        if (refClusters == 0) {
            throw corrupt(name, "it has no refcount table");
        }
        Exact.requireAtMost(Exact.multiply(refClusters, clusterSize, name + ": refcount table size"), MAX_REFTABLE_BYTES,
                name + ": qcow2 refcount table bytes");
        requireTable(name, "refcount table", refOffset, refClusters * clusterSize, clusterSize, fileSize);
        Exact.requireAtMost(snapshots, MAX_SNAPSHOTS, name + ": qcow2 snapshots");
        if (snapshots > 0 && (snapshotsOffset % clusterSize != 0 || snapshotsOffset == 0 || snapshotsOffset >= fileSize)) {
            throw corrupt(name, "its snapshot table offset (" + snapshotsOffset + ") is not a cluster inside the file");
        }

        String backing = null;
        if (backingOffset != 0) {
            if (backingSize == 0 || backingSize > 1023) {
                throw corrupt(name, "its backing file name is " + backingSize + " bytes long");
            }
            Exact.requireRange(backingOffset, backingSize, Math.min(clusterSize, first.length), name + ": qcow2 backing file name");
            backing = new String(h.bytes(backingOffset, backingSize), StandardCharsets.UTF_8);
        }
        return new Qcow2Header((int) version, cb, virtualSize, (int) l1Size, l1Offset, refOffset, (int) refClusters, (int) snapshots,
                snapshotsOffset, incompatible, compatible, autoclear, (int) refcountOrder, (int) headerLength, compressionType, backing, backingFormat, names);
    }

    private static void requireTable(String name, String what, long offset, long bytes, long clusterSize, long fileSize) throws FormatException {
        if (offset == 0 || offset % clusterSize != 0) {
            throw corrupt(name, "its " + what + " offset (" + offset + ") is not a cluster boundary");
        }
        if (offset > fileSize || bytes > fileSize - offset) {
            throw new Qcow2Exception(name + ": the qcow2 " + what + " (" + bytes + " bytes at " + offset + ") lies beyond the end of the "
                    + fileSize + "-byte file: the image was cut short, copy it again");
        }
    }

    static Qcow2Exception corrupt(String name, String what) {
        return new Qcow2Exception(name + " is a damaged qcow2 image: " + what + "; try 'qemu-img check -r all " + name + "' on a copy");
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
