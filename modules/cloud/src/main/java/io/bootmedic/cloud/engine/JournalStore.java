package io.bootmedic.cloud.engine;

/** Where journal lines go. {@link #append} returns only once the line is durable (fsync for a file). */
public interface JournalStore {
    /** The name used in messages (the file's path). */
    String name();

    byte[] readAll();

    void append(byte[] line);

    /** Cuts a torn last line off before the first append of a resumed run. */
    void truncate(long length);
}
