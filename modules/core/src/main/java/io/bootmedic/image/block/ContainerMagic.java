package io.bootmedic.image.block;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Container and compression formats bootmedic does not open, recognised by their magic so that
 * none of them is ever read as a raw disk and reported as "no Windows": each is refused with
 * what it is and the command that turns it into something bootmedic reads.
 */
public final class ContainerMagic {
    private ContainerMagic() {
    }

    /** A format: its magic at an offset, what it is, and how to convert it ({@code %s} is the file). */
    private record Magic(long offset, byte[] bytes, boolean shortMagic, String what, String convert) {
        Magic(long offset, String ascii, String what, String convert) {
            this(offset, ascii.getBytes(StandardCharsets.ISO_8859_1), false, what, convert);
        }
    }

    private static final String QEMU = "convert it with 'qemu-img convert -O raw %s disk.img' and run bootmedic on disk.img";
    private static final Magic[] KNOWN = {
            new Magic(0, "KDMV", "a VMware VMDK (sparse extent)", QEMU),
            new Magic(0, "COWD", "a VMware ESX sparse VMDK extent", QEMU),
            new Magic(0, "# Disk DescriptorFile", "a VMware VMDK descriptor", QEMU + " (keep its extent files beside it)"),
            new Magic(0x40, "\u007f\u0010\u00da\u00be", "a VirtualBox VDI image", QEMU),
            new Magic(0, "<<< Oracle VM VirtualBox Disk Image >>>", "a VirtualBox VDI image", QEMU),
            new Magic(0, "<<< Sun xVM VirtualBox Disk Image >>>", "a VirtualBox VDI image", QEMU),
            new Magic(0, "QED\0", "a QEMU QED image", QEMU),
            new Magic(0, "WithoutFreeSpace", "a Parallels image", QEMU),
            new Magic(0, "WithouFreSpacExt", "a Parallels image", QEMU),
            new Magic(0, "LUKS\u00ba\u00be", "a LUKS-encrypted volume",
                    "open it with 'cryptsetup open %s plain' and run bootmedic --device /dev/mapper/plain"),
            new Magic(0, "EVF\u0009\r\n\u00ff\0", "an EnCase (E01) evidence file", "export it with 'ewfexport -t disk -f raw %s' and run bootmedic on disk.raw"),
            new Magic(0, "\u00fd7zXZ\0", "an xz-compressed file", "decompress it with 'unxz -k %s' and run bootmedic on the result"),
            new Magic(0, "\u0028\u00b5\u002f\u00fd", "a zstd-compressed file", "decompress it with 'unzstd -k %s' and run bootmedic on the result"),
            new Magic(0, "\u0004\"M\u0018", "an lz4-compressed file", "decompress it with 'unlz4 -k %s' and run bootmedic on the result"),
            new Magic(0, "7z\u00bc\u00af\u0027\u001c", "a 7-Zip archive", "extract the disk image with '7z x %s' and run bootmedic on it"),
            new Magic(257, "ustar", "a tar archive", "extract the disk image with 'tar -xf %s' and run bootmedic on it"),
            new Magic(0, "MSCF", "a Microsoft cabinet archive", "extract the disk image with 'cabextract %s' and run bootmedic on it"),
            new Magic(0, "encrcdsa", "an encrypted Apple disk image", "convert it on a Mac with 'hdiutil convert %s -format UDTO' and run bootmedic on the result"),
            new Magic(0, "\u001f\u008b".getBytes(StandardCharsets.ISO_8859_1), true, "a gzip-compressed file",
                    "decompress it with 'gunzip -k %s' (or 'gzip -dc %s > disk.img') and run bootmedic on the result"),
            new Magic(0, "BZh".getBytes(StandardCharsets.ISO_8859_1), true, "a bzip2-compressed file",
                    "decompress it with 'bunzip2 -k %s' and run bootmedic on the result"),
            new Magic(0, "PK\u0003\u0004".getBytes(StandardCharsets.ISO_8859_1), true, "a zip archive",
                    "extract the disk image with 'unzip %s' and run bootmedic on it"),
    };

    /** Refuses a file that is one of the known containers above; returns normally for anything else (read as raw). */
    public static void refuseKnown(BlockDevice file) throws IOException {
        String name = file.describe();
        long size = file.size();
        byte[] start = file.read(0, (int) Math.min(size, 512));
        // a raw disk's sector 0 can begin with any two or three bytes of boot code, but then ends in 55 AA
        boolean bootSector = start.length == 512 && (start[510] & 0xFF) == 0x55 && (start[511] & 0xFF) == 0xAA;
        for (Magic m : KNOWN) {
            if (m.shortMagic() && bootSector) {
                continue;
            }
            if (matches(file, start, m)) {
                throw refusal(name, m.what(), m.convert());
            }
        }
        if (size >= 512) {
            byte[] tail = file.read(size - 512, 4);
            if (Arrays.equals(tail, "koly".getBytes(StandardCharsets.US_ASCII))) {
                throw refusal(name, "an Apple disk image (dmg)", "convert it with 'qemu-img convert -f dmg -O raw %s disk.img' and run bootmedic on disk.img");
            }
        }
    }

    private static boolean matches(BlockDevice file, byte[] start, Magic m) throws IOException {
        long end = m.offset() + m.bytes().length;
        if (end <= start.length) {
            return Arrays.equals(start, (int) m.offset(), (int) end, m.bytes(), 0, m.bytes().length);
        }
        if (end > file.size()) {
            return false;
        }
        return Arrays.equals(file.read(m.offset(), m.bytes().length), m.bytes());
    }

    private static ImageFormatException refusal(String name, String what, String convert) {
        return new ImageFormatException(name + " is " + what + ", not a disk bootmedic reads: " + convert.replace("%s", name));
    }
}
