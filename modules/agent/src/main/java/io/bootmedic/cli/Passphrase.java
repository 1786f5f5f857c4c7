package io.bootmedic.cli;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.TextFiles;

import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A bundle passphrase: from a file, from BOOTMEDIC_BUNDLE_PASSPHRASE, or typed once on the console (not echoed). */
final class Passphrase {
    static final String ENV = "BOOTMEDIC_BUNDLE_PASSPHRASE";

    private Passphrase() {
    }

    static char[] read(Path file, String prompt) {
        if (file != null) {
            try {
                return TextFiles.readUtf8(file, "--passphrase-file", 64 * 1024).strip().toCharArray();
            } catch (FormatException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        if (System.console() != null) {
            char[] typed = System.console().readPassword("%s", prompt);
            if (typed != null && typed.length > 0) {
                return typed;
            }
        }
        throw new UsageError("the key bundle needs its passphrase: give --passphrase-file FILE, set " + ENV + ", or run on a console to type it");
    }
}
