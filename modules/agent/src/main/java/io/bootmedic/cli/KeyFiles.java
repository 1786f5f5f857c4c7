package io.bootmedic.cli;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.InputFiles;
import io.bootmedic.format.Printable;
import io.bootmedic.keys.KeyBundle;
import io.bootmedic.keys.KeyFileException;
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

    /** A FIFO, directory or device given as a key file is refused before anything is read (it would block for ever). */
    static void require(Path file, String option) {
        try {
            InputFiles.require(file, InputFiles.Kind.REGULAR_FILE, option);
        } catch (FormatException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The exports given to 'keys bundle --in'. */
    static KeyStore loadInputs(List<Path> files) {
        return load(files, "--in", null, null);
    }

    /** Key files and, when given, a key bundle, all in one store. */
    static KeyStore load(List<Path> files, Path bundle, Path passphraseFile) {
        return load(files, "--key-file", bundle, passphraseFile);
    }

    private static KeyStore load(List<Path> files, String fileOption, Path bundle, Path passphraseFile) {
        // every file is checked before the first is read or a passphrase is asked for
        files.forEach(f -> require(f, fileOption));
        if (bundle != null) {
            require(bundle, "--key-bundle");
        }
        if (passphraseFile != null) {
            require(passphraseFile, "--passphrase-file");
        }
        KeyStore store = new KeyStore();
        if (bundle != null) {
            char[] passphrase = Passphrase.read(passphraseFile, "passphrase of key bundle " + bundle.getFileName() + ": ");
            try {
                KeyStore opened = KeyBundle.open(bundle, passphrase);
                opened.all().forEach(r -> store.add(new KeyRecord(r.id(), r.password(), r.host(),
                        KeyRecord.BUNDLE_SOURCE_PREFIX + bundle.getFileName() + ": " + r.source())));
                System.err.println("keys: " + Printable.of(opened.size() + " recovery key(s) in bundle " + bundle));
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
            } catch (FormatException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            } catch (IOException e) {
                throw new UncheckedIOException(new KeyFileException("key file " + f + " cannot be read: " + InputFiles.reason(e)));
            }
            r.records().forEach(store::add);
            System.err.println("keys: " + r.records().size() + " recovery key(s) read from " + f
                    + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " row(s) skipped:"));
            r.problems().stream().limit(20).forEach(p -> System.err.println("  " + Printable.of(p.toString())));
        }
        store.conflicts().forEach(c -> System.err.println("keys: warning: " + c));
        return store;
    }
}
