package io.bootmedic.bitlocker;

import io.bootmedic.keys.KeyCandidate;
import io.bootmedic.keys.KeyChain;
import io.bootmedic.keys.KeyId;
import io.bootmedic.keys.KeyStore;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.keys.RecoveryPasswordPrompt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The keys of this run, tried against each locked volume of an image or device. They come from
 * one {@link KeyChain} (the same the machine's own BitLocker is fed from with --all): what the
 * command line gave, key files and bundles, the collector; then the clear key of a suspended
 * volume; then a person at the prompt.
 */
public final class VolumeKeys {
    /** Times a person may type a recovery password for one volume before it is left locked. */
    static final int PROMPT_ROUNDS = 3;

    private final KeyChain.Source given;
    private KeyStore keyFiles = new KeyStore();
    private RecoveryPasswordPrompt prompt;
    private KeyChain.Remote remote;

    public VolumeKeys(List<RecoveryPassword> recoveryPasswords, List<char[]> passwords, List<Path> startupKeys, String source) {
        this.given = KeyChain.given(List.copyOf(recoveryPasswords), List.copyOf(passwords), List.copyOf(startupKeys), source);
    }

    public static VolumeKeys none() {
        return new VolumeKeys(List.of(), List.of(), List.of(), null);
    }

    /** Recovery keys from exports (AD, Entra, MBAM, CSV) and bundles, looked up by each volume's key IDs. */
    public VolumeKeys withKeyFiles(KeyStore store) {
        this.keyFiles = store;
        return this;
    }

    /** Asked after key files and bundles, before the prompt (docs/design.md §6). */
    public VolumeKeys withCollector(KeyChain.Remote source) {
        this.remote = source;
        return this;
    }

    /** The last resort: ask a person at the console, naming the volume and its key ID. */
    public VolumeKeys withPrompt(RecoveryPasswordPrompt p) {
        this.prompt = p;
        return this;
    }

    /** The chain these keys form, in the order of docs/design.md §6. */
    public KeyChain chain() {
        List<KeyChain.Source> sources = new ArrayList<>();
        sources.add(given);
        sources.add(KeyChain.keyFiles(keyFiles));
        if (remote != null) {
            sources.add(KeyChain.remote(remote));
        }
        if (prompt != null) {
            sources.add(KeyChain.prompt(prompt, PROMPT_ROUNDS));
        }
        return new KeyChain(sources);
    }

    /** How a volume was unlocked, for the report. */
    public record Result(Unlocker.Unlocked unlocked, String keySource, boolean recoveryPasswordUsed) {
    }

    /**
     * Unlocks the volume or throws: {@link WrongKeyException} when keys were given but none fits,
     * {@link BitLockerException} naming the key IDs to look up when no key was given at all.
     */
    public Result unlock(BitLockerMetadata md) throws IOException {
        List<String> ids = md.protectors.stream().filter(p -> p.type() == Protector.RECOVERY_PASSWORD).map(Protector::id).toList();
        String volume = md.description == null ? md.volumeGuid : md.description;
        List<String> failures = new ArrayList<>();
        KeyChain chain = chain();
        Optional<Result> opened = firstThatOpens(md, chain.withoutPeople().walk(ids, volume, failures::add), failures);
        if (opened.isPresent()) {
            return opened.get();
        }
        if (md.protectors.stream().anyMatch(p -> p.type() == Protector.CLEAR_KEY)) {
            return new Result(Unlocker.withClearKey(md), null, false);
        }
        opened = firstThatOpens(md, chain.onlyPeople().walk(ids, volume, failures::add), failures);
        if (opened.isPresent()) {
            return opened.get();
        }
        if (!failures.isEmpty()) {
            throw new WrongKeyException(String.join("; ", failures));
        }
        throw new BitLockerException("BitLocker volume " + md.volumeGuid + " is locked and no key was given. "
                + "Look up the recovery password for key ID " + recoveryKeyIds(md) + " and pass a key file (--key-file), --recovery-password, or --bek FILE");
    }

    private static Optional<Result> firstThatOpens(BitLockerMetadata md, KeyChain.Candidates candidates, List<String> failures) throws IOException {
        for (Optional<KeyCandidate> next = candidates.next(); next.isPresent(); next = candidates.next()) {
            KeyCandidate c = next.get();
            try {
                return Optional.of(open(md, c));
            } catch (WrongKeyException e) {
                failures.add(c.what() == null ? e.getMessage() : c.what() + " does not open it");
                if ("prompt".equals(c.source())) {
                    System.err.println("  " + e.getMessage()); // the person at the console tries again
                }
            }
        }
        return Optional.empty();
    }

    private static Result open(BitLockerMetadata md, KeyCandidate c) throws IOException {
        if (c instanceof KeyCandidate.Recovery r) {
            return new Result(Unlocker.withRecoveryPassword(md, r.password()), r.source(), true);
        }
        if (c instanceof KeyCandidate.UserPassword p) {
            return new Result(Unlocker.withPassword(md, p.password()), p.source(), false);
        }
        KeyCandidate.StartupKey k = (KeyCandidate.StartupKey) c;
        return new Result(Unlocker.withStartupKey(md, k.file()), k.source(), false);
    }

    /** The key IDs of the recovery-password protectors, as the recovery screen shows them. */
    public static String recoveryKeyIds(BitLockerMetadata md) {
        List<String> ids = md.protectors.stream().filter(p -> p.type() == Protector.RECOVERY_PASSWORD).map(p -> KeyId.braced(String.valueOf(p.id()))).toList();
        return ids.isEmpty() ? "(none: the volume has no recovery password)" : String.join(" or ", ids);
    }
}
