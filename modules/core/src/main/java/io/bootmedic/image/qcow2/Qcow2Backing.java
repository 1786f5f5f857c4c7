package io.bootmedic.image.qcow2;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.InputFiles;
import io.bootmedic.format.Printable;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.ContainerMagic;
import io.bootmedic.image.block.FileBlockDevice;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The backing file of a qcow2 overlay (a linked clone, an OpenStack instance on its base image):
 * always opened read-only, so a fix changes only the overlay, as the running VM would. A relative
 * name is resolved against the overlay's folder, as qemu does. It is followed only when it stays
 * inside the top image's own folder or the folder named with {@code --backing-dir}: an image is
 * input, and its header must not be able to make bootmedic read (and copy on write into the
 * repaired image) any file of the host. The backing file must be a regular file the user can
 * read (no device, FIFO or protocol such as nbd: or json:), a qcow2 or raw image, at most 8 deep,
 * and never one already in the chain.
 */
public final class Qcow2Backing {
    static final int MAX_DEPTH = 8;

    private Qcow2Backing() {
    }

    /** Where backing files may be (real folders), and the real paths already in the chain. */
    public record Chain(List<Path> allowed, Set<Path> visited) {
        /** No backing file may be followed (an image held in memory, a parser's test). */
        public static final Chain NONE = new Chain(List.of(), Set.of());

        /** For the image at {@code real} (its real path): its folder, and {@code backingDir} when given. */
        public static Chain of(Path real, Path backingDir) throws IOException {
            List<Path> allowed = new ArrayList<>();
            if (real.getParent() != null) {
                allowed.add(real.getParent());
            }
            if (backingDir != null) {
                try {
                    allowed.add(backingDir.toRealPath());
                } catch (IOException e) {
                    throw new Qcow2Exception("--backing-dir " + backingDir + " is not a folder that can be read (" + InputFiles.reason(e) + ")");
                }
            }
            return new Chain(List.copyOf(allowed), Set.of(real));
        }

        boolean permits(Path real) {
            return allowed.stream().anyMatch(real::startsWith);
        }

        Chain with(Path real) {
            Set<Path> longer = new HashSet<>(visited);
            longer.add(real);
            return new Chain(allowed, Set.copyOf(longer));
        }
    }

    static BlockDevice open(Path overlay, String name, Qcow2Header header, int depth, Chain chain) throws IOException {
        String wanted = header.backingFile();
        String shown = Printable.of(wanted);
        String advice = "; or merge the chain on a host that has it: 'qemu-img convert -O qcow2 " + name + " merged.qcow2'";
        if (overlay == null || chain.allowed().isEmpty()) {
            throw new Qcow2Exception(name + " is a qcow2 overlay of '" + shown + "', which cannot be followed from here" + advice);
        }
        if (depth + 1 >= MAX_DEPTH) {
            throw new Qcow2Exception(name + " has a chain of backing files deeper than " + MAX_DEPTH + advice);
        }
        if (wanted.indexOf('\0') >= 0 || wanted.startsWith("json:") || wanted.matches("^[A-Za-z0-9+.-]{2,}:.*")) {
            throw new Qcow2Exception(name + " has a backing file that is not a file name ('" + shown + "')" + advice);
        }
        Path path;
        try {
            Path folder = overlay.toAbsolutePath().getParent();
            path = folder == null ? Path.of(wanted) : folder.resolve(wanted);
        } catch (InvalidPathException e) {
            throw new Qcow2Exception(name + " has a backing file name that is not a path ('" + shown + "')" + advice);
        }
        try {
            InputFiles.require(path, InputFiles.Kind.REGULAR_FILE, "the backing file of " + name + ",");
        } catch (FormatException e) {
            throw new Qcow2Exception(e.getMessage() + " (put it back where the overlay expects it" + advice.substring(1) + ")");
        }
        Path real = path.toRealPath();
        if (!chain.permits(real)) {
            throw new Qcow2Exception(name + " names the backing file '" + shown + "', which lies outside " + chain.allowed().get(0)
                    + (chain.allowed().size() > 1 ? " and " + chain.allowed().get(1) : "") + ": bootmedic follows backing files only"
                    + " there. If it is the right base image, name its folder with --backing-dir DIR" + advice);
        }
        if (chain.visited().contains(real)) {
            throw new Qcow2Exception(name + ": its chain of backing files loops back to " + real + advice);
        }
        String format = header.backingFormat();
        FileBlockDevice file = FileBlockDevice.open(real, false);
        try {
            boolean qcow = Qcow2BlockDevice.isQcow(file);
            if ("qcow2".equals(format) || (format == null && qcow)) {
                return Qcow2BlockDevice.open(file, null, real, false, depth + 1, chain.with(real));
            }
            if (format == null) {
                ContainerMagic.refuseKnown(file);
                return file;
            }
            if ("raw".equals(format)) {
                return file;
            }
            throw new Qcow2Exception(name + " has a backing file in " + Printable.of(format) + " format, which bootmedic does not follow" + advice);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }
}
