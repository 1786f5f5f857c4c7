package io.bootmedic.cli;

import io.bootmedic.keys.KeyFileReader;
import io.bootmedic.keys.KeyStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** Loads key files for a command, telling on standard error what could not be used. */
final class KeyFiles {
    private KeyFiles() {
    }

    static KeyStore load(List<Path> files) {
        KeyStore store = new KeyStore();
        for (Path f : files) {
            KeyFileReader.Result r;
            try {
                r = KeyFileReader.read(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read key file " + f + ": " + e.getMessage(), e);
            }
            r.records().forEach(store::add);
            System.err.println("keys: " + r.records().size() + " recovery key(s) read from " + f
                    + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " row(s) skipped:"));
            r.problems().stream().limit(20).forEach(p -> System.err.println("  " + p));
        }
        store.conflicts().forEach(c -> System.err.println("keys: warning: " + c));
        return store;
    }
}
