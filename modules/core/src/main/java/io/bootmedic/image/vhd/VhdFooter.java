package io.bootmedic.image.vhd;

import io.bootmedic.format.LeBytes;
import io.bootmedic.image.block.ImageFormatException;

/**
 * The 512-byte VHD footer (Microsoft "Virtual Hard Disk Image Format Specification" 1.0, "Hard
 * Disk Footer Format"). Big-endian. A fixed disk has it only at the end; a dynamic disk also keeps
 * a copy at offset 0. Checked: cookie, checksum, disk type; sizes are non-negative numbers.
 *
 * @param raw         the 512 bytes as read, rewritten unchanged when the footer moves
 * @param currentSize the size of the virtual disk in bytes
 * @param dataOffset  where the dynamic disk header is (dynamic and differencing disks)
 */
record VhdFooter(byte[] raw, Type type, long currentSize, long dataOffset) {
    static final int SIZE = 512;
    static final byte[] COOKIE = "conectix".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Disk Type (offset 60). */
    enum Type { FIXED, DYNAMIC, DIFFERENCING }

    static boolean hasCookie(byte[] sector) {
        return sector.length >= SIZE && java.util.Arrays.equals(sector, 0, COOKIE.length, COOKIE, 0, COOKIE.length);
    }

    static VhdFooter parse(byte[] raw, String what) throws ImageFormatException {
        try {
            LeBytes f = LeBytes.of(raw, what);
            if (!hasCookie(raw)) {
                throw new ImageFormatException(what + " has no 'conectix' cookie");
            }
            if (checksum(raw, 64) != f.u32be(64)) {
                throw new ImageFormatException(what + ": checksum is wrong");
            }
            long type = f.u32be(60);
            Type t = switch ((int) type) {
                case 2 -> Type.FIXED;
                case 3 -> Type.DYNAMIC;
                case 4 -> Type.DIFFERENCING;
                default -> throw new ImageFormatException(what + ": unknown disk type " + type);
            };
            long currentSize = f.u64be(48, "Current Size");
            // a fixed disk stores 0xFFFFFFFFFFFFFFFF here; only dynamic and differencing disks use it
            long dataOffset = t == Type.FIXED ? -1 : f.u64be(16, "Data Offset");
            return new VhdFooter(raw, t, currentSize, dataOffset);
        } catch (ImageFormatException e) {
            throw e;
        } catch (io.bootmedic.format.FormatException e) {
            throw new ImageFormatException(e.getMessage());
        }
    }

    /** Ones' complement of the byte sum, skipping the 4-byte checksum field itself (as the spec defines it). */
    static long checksum(byte[] data, int checksumAt) {
        int sum = 0;
        for (int i = 0; i < data.length; i++) {
            if (i < checksumAt || i >= checksumAt + 4) {
                sum += data[i] & 0xFF;
            }
        }
        return Integer.toUnsignedLong(~sum);
    }
}
