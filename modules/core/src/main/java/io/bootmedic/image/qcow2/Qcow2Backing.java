package io.bootmedic.image.qcow2;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.InputFiles;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ContainerMagic;
import io.bootmedic.image.block.FileBlockDevice;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The backing file of a qcow2 overlay (a linked clone, an OpenStack instance on its base image):
 * always opened read-only, so a fix changes only the overlay, as the running VM would. A relative
 * name is resolved against the overlay's folder, as qemu does; the backing file must be a regular
 * file the user can read (no device, FIFO or protocol such as nbd: or json:), a qcow2 or raw
 * image, at most 8 deep, and never one already in the chain.
 */
final class Qcow2Backing {
    static final int MAX_DEPTH = 8;

    private Qcow2Backing() {
    }

    static BlockDevice open(Path overlay, String name, Qcow2Header header, int depth, Set<Path> chain) throws IOException {
        String wanted = header.backingFile();
        String advice = "; or merge the chain on a host that has it: 'qemu-img convert -O qcow2 " + name + " merged.qcow2'";
        if (overlay == null) {
            throw new Qcow2Exception(name + " is a qcow2 overlay of '" + wanted + "', which cannot be followed from here" + advice);
        }
        if (depth + 1 >= MAX_DEPTH) {
            throw new Qcow2Exception(name + " has a chain of backing files deeper than " + MAX_DEPTH + advice);
        }
        if (wanted.indexOf('\0') >= 0 || wanted.startsWith("json:") || wanted.matches("^[A-Za-z0-9+.-]{2,}:.*")) {
            throw new Qcow2Exception(name + " has a backing file that is not a file name ('" + printable(wanted) + "')" + advice);
        }
        Path path;
        try {
            Path folder = overlay.toAbsolutePath().getParent();
            path = folder == null ? Path.of(wanted) : folder.resolve(wanted);
        } catch (InvalidPathException e) {
            throw new Qcow2Exception(name + " has a backing file name that is not a path ('" + printable(wanted) + "')" + advice);
        }
        try {
            InputFiles.require(path, InputFiles.Kind.REGULAR_FILE, "the backing file of " + name + ",");
        } catch (FormatException e) {
            throw new Qcow2Exception(e.getMessage() + " (put it back where the overlay expects it" + advice.substring(1) + ")");
        }
        Path real = path.toRealPath();
        if (chain.contains(real)) {
            throw new Qcow2Exception(name + ": its chain of backing files loops back to " + real + advice);
        }
        Set<Path> longer = new HashSet<>(chain);
        longer.add(real);
        String format = header.backingFormat();
        FileBlockDevice file = FileBlockDevice.open(real, false);
        try {
            boolean qcow = Qcow2BlockDevice.isQcow(file);
            if ("qcow2".equals(format) || (format == null && qcow)) {
                return Qcow2BlockDevice.open(file, null, real, false, depth + 1, longer);
            }
            if (format == null) {
                ContainerMagic.refuseKnown(file);
                return file;
            }
            if ("raw".equals(format)) {
                return file;
            }
            throw new Qcow2Exception(name + " has a backing file in " + printable(format) + " format, which bootmedic does not follow" + advice);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("[\\p{Cntrl}]", "?");
    }
}
