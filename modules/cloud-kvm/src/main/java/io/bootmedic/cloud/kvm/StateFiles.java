package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Small JSON files that must survive a crash whole: written to a temporary name, forced to the device, renamed over the
 * old one, and the folder forced, so a reader finds the old file or the new one, never half of one.
 */
final class StateFiles {
    private StateFiles() {
    }

    static void write(Path file, Map<String, Object> doc) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(Json.write(doc));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            forceFolder(file.getParent());
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot write " + file + ": " + e.getMessage());
        }
    }

    /** The document, or null when the file does not exist. */
    static Map<String, Object> read(Path file) {
        try {
            return Files.exists(file) ? Json.readObject(Files.readAllBytes(file)) : null;
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot read " + file + " (" + e.getMessage() + "): move it away only if no run needs it");
        }
    }

    static void forceFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a folder for reading; the files themselves were forced
        }
    }
}
