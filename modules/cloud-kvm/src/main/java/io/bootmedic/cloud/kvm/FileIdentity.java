package io.bootmedic.cloud.kvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** A file's device and inode: what a path names, so a path that names another file by the time it is used is noticed. */
record FileIdentity(long device, long inode) {
    static FileIdentity of(Path p) throws IOException {
        return new FileIdentity(((Number) Files.getAttribute(p, "unix:dev")).longValue(), ((Number) Files.getAttribute(p, "unix:ino")).longValue());
    }

    static FileIdentity ofLink(Path p) throws IOException {
        return new FileIdentity(((Number) Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue(),
                ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue());
    }

    @Override
    public String toString() {
        return "device " + device + " inode " + inode;
    }
}
