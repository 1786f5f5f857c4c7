package io.bootmedic.batch;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.TextFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The targets of a batch: every disk image in a folder, or the paths listed in a file. */
public final class BatchTargets {
    /** Image files are recognised by content when opened; the folder listing only needs to skip notes and logs. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("vhd", "vhdx", "img", "raw", "bin", "dd", "qcow2", "qcow", "vmdk", "vdi");

    /** A list of a fleet's images is a few hundred KiB; anything far bigger is the wrong file. */
    static final long MAX_LIST_BYTES = 16L * 1024 * 1024;
    static final int MAX_TARGETS = 100_000;

    private BatchTargets() {
    }

    public static List<Path> fromDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FormatException("batch --images " + dir + " is not a folder" + (Files.exists(dir) ? "" : " (it does not exist)")
                    + ": give the folder that holds the disk images");
        }
        List<Path> images;
        try (Stream<Path> files = Files.list(dir)) {
            images = files.filter(Files::isRegularFile)
                    .filter(p -> IMAGE_EXTENSIONS.contains(extension(p)))
                    .sorted()
                    .toList();
        }
        // the base image of qcow2 overlays (linked clones) is no machine: writing to it would corrupt every overlay
        Set<Path> bases = new java.util.HashSet<>();
        for (Path p : images) {
            io.bootmedic.image.qcow2.Qcow2BlockDevice.backingFileOf(p).ifPresent(bases::add);
        }
        return images.stream().filter(p -> !bases.contains(real(p))).toList();
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath();
        }
    }

    /** One path per line; blank lines and lines starting with '#' are skipped; relative paths are relative to the list. */
    public static List<Path> fromList(Path list) throws IOException {
        List<Path> out = new ArrayList<>();
        Path base = list.toAbsolutePath().getParent();
        int lineNo = 0;
        for (String line : TextFiles.readUtf8(list, "batch --list", MAX_LIST_BYTES).split("\r?\n")) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (out.size() >= MAX_TARGETS) {
                throw new FormatException("batch --list " + list + " names more than " + MAX_TARGETS + " targets: split it into several batches");
            }
            try {
                out.add(base.resolve(t).normalize());
            } catch (InvalidPathException e) {
                throw new FormatException("batch --list " + list + " line " + lineNo + " is not a path (" + e.getReason() + ")");
            }
        }
        return out;
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
