package io.bootmedic.rescue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;

/**
 * Firmware RAID metadata at the end of a disk: Intel RST (IMSM) and SNIA DDF. A member of such a set
 * holds only a stripe or a copy that the RAID's own driver keeps in step; bootmedic never writes to
 * one, and never guesses at one either. Only the anchor is read, at the places the formats define
 * (as mdadm and libblkid read them), with every offset checked against the disk's size.
 */
public final class RaidMetadata {
    /** IMSM's MPB signature, at the start of the second-to-last sector (mdadm super-intel.c, MPB_SIGNATURE). */
    static final byte[] IMSM = "Intel Raid ISM Cfg Sig. ".getBytes(StandardCharsets.US_ASCII);
    /** DDF's anchor header signature 0xDE11DE11, in either byte order (libblkid accepts both); the "SNIA DDF" anchor. */
    static final byte[] DDF_BE = {(byte) 0xDE, 0x11, (byte) 0xDE, 0x11};
    static final byte[] DDF_LE = {0x11, (byte) 0xDE, 0x11, (byte) 0xDE};
    /** Where the DDF revision ("02.00.00") sits in the anchor header: after the signature, CRC and 24-byte GUID. */
    static final int DDF_REVISION = 32;

    /** What was found; {@code offset} is the anchor's byte offset on the disk. */
    public record Found(Kind kind, long offset) {
    }

    public enum Kind {
        IMSM("an Intel RST RAID member (IMSM metadata)"),
        DDF("a RAID member with SNIA DDF metadata (a hardware or firmware RAID controller)");

        private final String what;

        Kind(String what) {
            this.what = what;
        }

        public String what() {
            return what;
        }
    }

    /** Reads {@code length} bytes at {@code offset}; the caller has checked both against the disk's size. */
    public interface Reader {
        byte[] read(long offset, int length) throws IOException;
    }

    private RaidMetadata() {
    }

    /**
     * The metadata at the end of a disk of {@code size} bytes, if any. Sector sizes 512 and 4096 are
     * both looked at (a 4Kn disk keeps the anchor in its own last sectors); DDF also at 257 sectors from
     * the end, where older controllers put it.
     */
    public static Optional<Found> find(Reader disk, long size) throws IOException {
        for (int sector : new int[]{512, 4096}) {
            long at = size - 2L * sector;
            if (fits(at, IMSM.length, size) && Arrays.equals(disk.read(at, IMSM.length), IMSM)) {
                return Optional.of(new Found(Kind.IMSM, at));
            }
        }
        for (long at : new long[]{size - 512, size - 4096, size - 257L * 512}) {
            if (fits(at, DDF_REVISION + 8, size) && isDdfAnchor(disk.read(at, DDF_REVISION + 8))) {
                return Optional.of(new Found(Kind.DDF, at));
            }
        }
        return Optional.empty();
    }

    /** The whole read lies inside the disk; a disk too small for the anchor has none. */
    static boolean fits(long offset, int length, long size) {
        return size > 0 && offset >= 0 && offset <= size - length;
    }

    /** The signature, and a revision made only of digits and dots: four bytes alone would match random data once in 4 billion disks. */
    static boolean isDdfAnchor(byte[] header) {
        if (header.length < DDF_REVISION + 8) {
            return false;
        }
        byte[] sig = Arrays.copyOf(header, 4);
        if (!Arrays.equals(sig, DDF_BE) && !Arrays.equals(sig, DDF_LE)) {
            return false;
        }
        for (int i = DDF_REVISION; i < DDF_REVISION + 8; i++) {
            byte b = header[i];
            if (!(b >= '0' && b <= '9') && b != '.') {
                return false;
            }
        }
        return true;
    }

    /** Looks at a disk or image read-only; {@code size} is what the kernel says (a block device's file size reads as 0). */
    public static Optional<Found> find(Path device, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            long known = ch.size() > 0 ? ch.size() : size;
            return find((offset, length) -> {
                ByteBuffer buf = ByteBuffer.allocate(length);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) {
                        throw new IOException(device + " ended at byte " + (offset + buf.position()) + " although it should be " + known + " bytes long");
                    }
                }
                return buf.array();
            }, known);
        }
    }
}
