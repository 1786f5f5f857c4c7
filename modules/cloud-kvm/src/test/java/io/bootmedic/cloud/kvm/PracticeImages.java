package io.bootmedic.cloud.kvm;

import io.bootmedic.practice.PracticeTree;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Real Windows-like disk images for the domains: the GPT practice disk of
 * scripts/make-practice-disk.sh with bootmedic's practice tree (the faulty channel file 291 in
 * Windows/System32/drivers/CrowdStrike), as raw or converted to qcow2 by qemu-img; and what
 * ntfs-3g's tools (ntfscat, ntfsls), not bootmedic, see in an image afterwards.
 */
final class PracticeImages {
    static final String FAULTY = PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY;
    private final Path raw;
    private final Path blank;
    private final Path work;

    PracticeImages(Path work) throws Exception {
        this.work = work;
        raw = Tools.practiceDisk(work.resolve("practice.img"), 160);
        Tools.Result tree = Tools.bootmedic("practice-tree", "--image", raw.toString());
        if (tree.exit() != 0) {
            throw new AssertionError(tree.toString());
        }
        blank = Tools.practiceDisk(work.resolve("blank.img"), 160); // NTFS, but no Windows on it
    }

    /** A qcow2 copy of the practice disk (qemu-img convert). */
    Path qcow2(Path out) throws Exception {
        Tools.ok("qemu-img", "convert", "-O", "qcow2", raw.toString(), out.toString());
        return out;
    }

    /** A sparse raw copy of the practice disk. */
    Path raw(Path out) throws Exception {
        Tools.ok("cp", "--sparse=always", raw.toString(), out.toString());
        return out;
    }

    /** The practice disk after bootmedic fixed it: a Windows disk with nothing left to fix (scan exits 0). */
    Path clean(Path out) throws Exception {
        raw(out);
        Tools.Result fix = Tools.bootmedic("fix", "--image", out.toString());
        if (fix.exit() != 0) {
            throw new AssertionError(fix.toString());
        }
        return out;
    }

    /** The practice disk in another format qemu-img writes (vpc, vhdx). */
    Path convert(String format, Path out) throws Exception {
        Tools.ok("qemu-img", "convert", "-O", format, raw.toString(), out.toString());
        return out;
    }

    /** A disk with an NTFS partition and no Windows: bootmedic fix exits 4 on it. */
    Path noWindows(Path out) throws Exception {
        Tools.ok("cp", "--sparse=always", blank.toString(), out.toString());
        return out;
    }

    /** SHA-256 of a file, streamed (images are too big to read into memory at once). */
    static String sha256(Path file) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** A small data disk (1 MiB of a fixed pattern): only its bytes matter. */
    static Path dataDisk(Path out) throws Exception {
        byte[] b = new byte[1 << 20];
        new java.util.Random(291).nextBytes(b);
        return Files.write(out, b);
    }

    /** The NTFS partition (3) of an image as qemu-img reads it (any format), cut out at sgdisk's offsets. */
    private Path ntfsOf(Path image) throws Exception {
        Path back = work.resolve("check.raw");
        Path part = work.resolve("check.ntfs");
        Files.deleteIfExists(back);
        Files.deleteIfExists(part);
        Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), back.toString());
        String info = Tools.ok("sgdisk", "-i", "3", back.toString());
        long first = sector(info, "First sector");
        long last = sector(info, "Last sector");
        Tools.ok("dd", "if=" + back, "of=" + part, "bs=1M", "iflag=skip_bytes,count_bytes", "skip=" + first * 512,
                "count=" + (last - first + 1) * 512, "conv=sparse", "status=none");
        return part;
    }

    private static long sector(String sgdiskInfo, String key) {
        return sgdiskInfo.lines().filter(l -> l.startsWith(key)).map(l -> Long.parseLong(l.split("\\s+")[2])).findFirst().orElseThrow();
    }

    /** True when ntfscat finds the faulty file at its place in the image. */
    boolean faultyInPlace(Path image) throws Exception {
        return Tools.run(List.of("ntfscat", ntfsOf(image).toString(), FAULTY)).exit() == 0;
    }

    /** What ntfsls lists under bootmedic/quarantine in the image. */
    String quarantine(Path image) throws Exception {
        return Tools.ok("ntfsls", "-R", "-p", "/bootmedic/quarantine", ntfsOf(image).toString());
    }
}
