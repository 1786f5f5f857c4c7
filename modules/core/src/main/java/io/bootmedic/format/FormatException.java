package io.bootmedic.format;

import java.io.IOException;

/**
 * The common base of every "this input is malformed" error: a disk image, a partition table, a
 * BitLocker header, a registry hive, a key export, a key bundle, a playbook, a journal, a report.
 * Its message is one sentence for the person at the console: what was read, what is wrong with
 * it and, where there is one, what to do. Throwing it promises that nothing was written.
 * Parsers throw a subclass of their own; mutation and fuzz tests accept only this type.
 */
public class FormatException extends IOException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
