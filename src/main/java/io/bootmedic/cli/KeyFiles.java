package io.bootmedic.cli;

import io.bootmedic.keys.KeyBundle;
import io.bootmedic.keys.KeyFileReader;
import io.bootmedic.keys.KeyRecord;
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
        return load(files, null, null);
    }

    /** Key files and, when given, a key bundle, all in one store. */
    static KeyStore load(List<Path> files, Path bundle, Path passphraseFile) {
        KeyStore store = new KeyStore();
        if (bundle != null) {
            char[] passphrase = Passphrase.read(passphraseFile, "passphrase of key bundle " + bundle.getFileName() + ": ");
            try {
                KeyStore opened = KeyBundle.open(bundle, passphrase);
                opened.all().forEach(r -> store.add(new KeyRecord(r.id(), r.password(), r.host(),
                        KeyRecord.BUNDLE_SOURCE_PREFIX + bundle.getFileName() + ": " + r.source())));
                System.err.println("keys: " + opened.size() + " recovery key(s) in bundle " + bundle);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            } finally {
                java.util.Arrays.fill(passphrase, '\0');
            }
        }
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
