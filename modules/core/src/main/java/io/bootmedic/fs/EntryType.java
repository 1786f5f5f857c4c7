package io.bootmedic.fs;

/** What a directory entry is. Anything that redirects (symlink, junction, other reparse point) is never followed. */
public enum EntryType {
    FILE,
    DIRECTORY,
    /** A symbolic link, junction, mount point or any other NTFS reparse point. */
    REPARSE_POINT,
    OTHER
}
