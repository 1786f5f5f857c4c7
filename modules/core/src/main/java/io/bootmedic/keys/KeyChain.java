package io.bootmedic.keys;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where keys come from, in the order they are tried (docs/design.md §6): what the command line
 * gave, key files and bundles (by key ID), the collector (by key ID), then a person at the
 * prompt. One chain feeds both doors: images and devices ({@code bitlocker.VolumeKeys}) and the
 * machine's own BitLocker ({@code --all}, through {@code platform.KeyProvider}), so a new source
 * is added once. Candidates are produced lazily: the collector is asked, and a person prompted,
 * only when every earlier key was refused.
 */
public final class KeyChain {
    /** No key anywhere. */
    public static final KeyChain NONE = new KeyChain(List.of());

    /** One place keys come from. */
    public interface Source {
        /**
         * The candidates for a volume whose recovery-password protectors have these key IDs (as the
         * caller spells them; may be empty when unknown).
         *
         * @param notes receives what a person should know when a source has nothing (never a key)
         */
        Candidates open(List<String> keyIds, String volume, Consumer<String> notes);

        /** A source that asks a person: tried after everything a machine can do (a suspended volume's clear key among them). */
        default boolean asksAPerson() {
            return false;
        }
    }

    /** The next key to try; each call may do I/O. */
    @FunctionalInterface
    public interface Candidates {
        Optional<KeyCandidate> next() throws IOException;
    }

    /** A service that holds escrowed recovery passwords by key ID (the collector). */
    @FunctionalInterface
    public interface Remote {
        /** The password for a key ID; empty when the service has none; IOException when it cannot be asked. */
        Optional<RecoveryPassword> find(String keyId) throws IOException;
    }

    private final List<Source> sources;

    public KeyChain(List<Source> sources) {
        this.sources = List.copyOf(sources);
    }

    /** Every candidate of every source, in order. */
    public Candidates walk(List<String> keyIds, String volume, Consumer<String> notes) {
        return walk(sources, keyIds, volume, notes);
    }

    /** The sources a machine can use alone. */
    public KeyChain withoutPeople() {
        return new KeyChain(sources.stream().filter(s -> !s.asksAPerson()).toList());
    }

    /** The sources that ask a person. */
    public KeyChain onlyPeople() {
        return new KeyChain(sources.stream().filter(Source::asksAPerson).toList());
    }

    private static Candidates walk(List<Source> sources, List<String> keyIds, String volume, Consumer<String> notes) {
        Iterator<Source> links = sources.iterator();
        Candidates[] current = {null};
        return () -> {
            while (true) {
                if (current[0] != null) {
                    Optional<KeyCandidate> c = current[0].next();
                    if (c.isPresent()) {
                        return c;
                    }
                }
                if (!links.hasNext()) {
                    return Optional.empty();
                }
                current[0] = links.next().open(keyIds, volume, notes);
            }
        };
    }

    // ---- the sources ----

    /** What the command line gave: recovery passwords, user passwords, startup key files. */
    public static Source given(List<RecoveryPassword> recoveryPasswords, List<char[]> passwords, List<Path> startupKeys, String source) {
        List<KeyCandidate> all = new ArrayList<>();
        recoveryPasswords.forEach(rp -> all.add(new KeyCandidate.Recovery(rp, source, null)));
        passwords.forEach(pw -> all.add(new KeyCandidate.UserPassword(pw, source)));
        startupKeys.forEach(f -> all.add(new KeyCandidate.StartupKey(f, "key-file")));
        List<KeyCandidate> fixed = List.copyOf(all);
        return (keyIds, volume, notes) -> fromList(fixed);
    }

    /** Key exports and bundles, looked up by each key ID. */
    public static Source keyFiles(KeyStore store) {
        return (keyIds, volume, notes) -> {
            List<KeyCandidate> found = new ArrayList<>();
            for (String id : keyIds) {
                try {
                    store.find(id).ifPresent(r -> found.add(new KeyCandidate.Recovery(r.password(), r.keySource(),
                            "the key file entry for " + KeyId.braced(id) + " (" + r.source() + ")")));
                } catch (AmbiguousKeyIdException e) {
                    notes.accept(e.getMessage());
                }
            }
            return fromList(found);
        };
    }

    /** The collector: asked for one key ID at a time, only when the sources before it had nothing that worked. */
    public static Source remote(Remote remote) {
        return (keyIds, volume, notes) -> {
            Iterator<String> ids = keyIds.iterator();
            return () -> {
                while (ids.hasNext()) {
                    String id = ids.next();
                    try {
                        Optional<RecoveryPassword> rp = remote.find(id);
                        if (rp.isPresent()) {
                            return Optional.of(new KeyCandidate.Recovery(rp.get(), "collector", "the collector's recovery password for " + KeyId.braced(id)));
                        }
                        notes.accept("the collector has no recovery password for " + KeyId.braced(id));
                    } catch (IOException e) {
                        notes.accept("the collector could not be asked for " + KeyId.braced(id) + ": " + e.getMessage());
                    }
                }
                return Optional.empty();
            };
        };
    }

    /** A person at the console, asked up to {@code rounds} times per volume; an empty answer skips the volume. */
    public static Source prompt(RecoveryPasswordPrompt prompt, int rounds) {
        return new Source() {
            @Override
            public Candidates open(List<String> keyIds, String volume, Consumer<String> notes) {
                int[] asked = {0};
                boolean[] skipped = {keyIds.isEmpty()}; // no recovery-password protector: nothing a person could type
                String shown = String.join(" or ", keyIds.stream().map(KeyId::braced).toList());
                return () -> {
                    if (skipped[0] || asked[0] >= rounds) {
                        return Optional.empty();
                    }
                    asked[0]++;
                    Optional<RecoveryPassword> typed = prompt.ask(volume, null, shown);
                    if (typed.isEmpty()) {
                        skipped[0] = true;
                        notes.accept("skipped at the prompt");
                        return Optional.empty();
                    }
                    return Optional.of(new KeyCandidate.Recovery(typed.get(), "prompt", null));
                };
            }

            @Override
            public boolean asksAPerson() {
                return true;
            }
        };
    }

    private static Candidates fromList(List<KeyCandidate> list) {
        Iterator<KeyCandidate> it = list.iterator();
        return () -> it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }
}
