package io.bootmedic.collector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One {@code collector serve} per folder: a second one would share the SQLite file, the access
 * log and the port plan without a word. The operating system releases the lock when the
 * process ends, however it ends (kill -9 included), so a stale lock never blocks a restart.
 */
public final class FolderLock implements AutoCloseable {
    /** Thrown when another process serves the folder; the message is the one line to show. */
    public static final class HeldException extends IOException {
        HeldException(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private FolderLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static FolderLock acquire(CollectorDir dir) throws IOException {
        Path file = dir.dir().resolve("collector.lock");
        CollectorDir.ownerOnly(file, true);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this very process holds it already
        }
        if (lock == null) {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            ch.close();
            String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            throw new HeldException("another collector is already serving " + dir.dir().toAbsolutePath()
                    + (pid.matches("\\d{1,10}") ? " (process " + pid + ")" : "") + "; stop it first, or give this one its own folder "
                    + "(a copy of the folder made by 'collector init', see docs/collector.md on running several)");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new FolderLock(ch, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
