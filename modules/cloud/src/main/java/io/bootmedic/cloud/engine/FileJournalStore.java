package io.bootmedic.cloud.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A journal file: each line written with one write and forced to the device (data and size) before
 * {@link #append} returns, so a transition recorded is a transition that survives a crash. A new file's
 * folder is forced too, so the file itself survives.
 */
public final class FileJournalStore implements JournalStore {
    private final Path path;

    public FileJournalStore(Path path) {
        this.path = path;
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public byte[] readAll() {
        try {
            return Files.exists(path) ? Files.readAllBytes(path) : new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the journal " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void append(byte[] line) {
        boolean created = !Files.exists(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the journal " + path + ": " + e.getMessage(), e);
        }
        if (created) {
            forceFolder();
        }
    }

    @Override
    public void truncate(long length) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(length);
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cut the torn last line of the journal " + path + ": " + e.getMessage(), e);
        }
    }

    private void forceFolder() {
        Path dir = path.toAbsolutePath().getParent();
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a folder for reading; the file itself was forced
        }
    }
}
