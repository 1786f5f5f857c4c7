package io.bootmedic.ntfs;

import java.io.IOException;

/** libntfs-3g refused or failed; the message says what and what to do. */
public class NtfsException extends IOException {
    public NtfsException(String message) {
        super(message);
    }
}
