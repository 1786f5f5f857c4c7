package io.bootmedic.batch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The targets of a batch: every disk image in a folder, or the paths listed in a file. */
public final class BatchTargets {
    /** Image files are recognised by content when opened; the folder listing only needs to skip notes and logs. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("vhd", "vhdx", "img", "raw", "bin", "dd", "qcow2", "qcow", "vmdk", "vdi");

    private BatchTargets() {
    }

    public static List<Path> fromDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder");
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
            io.bootmedic.image.Qcow2BlockDevice.backingFileOf(p).ifPresent(bases::add);
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
        for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            out.add(base.resolve(t).normalize());
        }
        return out;
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
