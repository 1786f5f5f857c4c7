package io.bootmedic.cloud.kvm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether an image file is what the domain XML says it is: a file declared raw that starts with a qcow2 header (written
 * by the guest, or a wrong {@code <driver type>}) would be read by bootmedic as qcow2 and by qemu as raw, so the two
 * must agree before anything is copied. Reads the header only.
 */
final class ImageCheck {
    private ImageCheck() {
    }

    /** What the file's own header says it is: qcow2, vhdx, vpc, or raw (no known header). */
    static String detect(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8);
            ch.read(head, 0);
            String s = new String(head.array(), StandardCharsets.ISO_8859_1);
            if (s.startsWith("QFI\u00fb")) {
                return "qcow2";
            }
            if (s.equals("vhdxfile")) {
                return "vhdx";
            }
            if (s.equals("conectix")) {
                return "vpc"; // dynamic VHD: a copy of the footer at the start
            }
            long size = ch.size();
            if (size >= 512) {
                ByteBuffer foot = ByteBuffer.allocate(8);
                ch.read(foot, size - 512);
                if (new String(foot.array(), StandardCharsets.ISO_8859_1).equals("conectix")) {
                    return "vpc"; // fixed VHD: raw data and a footer
                }
            }
            return "raw";
        }
    }

    /** Why the route refuses the file, or null. */
    static String refusal(Path file, String declared) {
        if (!Files.isRegularFile(file)) {
            return "its boot disk " + file + " is not a regular file on this machine";
        }
        String found;
        try {
            found = detect(file);
            if (found.equals("qcow2") && qcow2Encrypted(file)) {
                return "its boot disk " + file + " is an encrypted qcow2 image; bootmedic cannot read qemu-encrypted images";
            }
        } catch (IOException e) {
            return "its boot disk " + file + " cannot be read (" + e.getMessage() + ")";
        }
        if (declared.equals("vpc") && found.equals("vpc") || found.equals(declared)) {
            return null;
        }
        return "its boot disk " + file + " is declared " + declared + " but its header says " + found
                + " (written by the guest, or a wrong <driver type>): bootmedic and qemu would read it differently. Check <driver type> in the domain XML";
    }

    private static boolean qcow2Encrypted(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            ch.read(b, 32); // crypt_method: 0 none, 1 AES, 2 LUKS
            return b.getInt(0) != 0;
        }
    }
}
