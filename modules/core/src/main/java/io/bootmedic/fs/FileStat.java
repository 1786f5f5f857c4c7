package io.bootmedic.fs;

import java.time.Instant;

/**
 * One directory entry with the NTFS times that matter for verdicts and undo.
 * Times may be null where a file system does not keep them.
 */
public record FileStat(String name, EntryType type, long size, Instant created, Instant modified, Instant accessed) {

    public boolean isFile() {
        return type == EntryType.FILE;
    }

    public boolean isDirectory() {
        return type == EntryType.DIRECTORY;
    }

    public FileTimes times() {
        return new FileTimes(created, modified, accessed);
    }
}
