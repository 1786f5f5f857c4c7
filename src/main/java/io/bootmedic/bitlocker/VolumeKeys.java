package io.bootmedic.bitlocker;

import io.bootmedic.keys.AmbiguousKeyIdException;
import io.bootmedic.keys.KeyStore;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.keys.RecoveryPasswordPrompt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys an admin gave for this run, tried against each locked volume in turn: recovery
 * passwords, passwords, startup-key files, then the clear key of a suspended volume.
 */
public final class VolumeKeys {
    private final List<RecoveryPassword> recoveryPasswords;
    private final List<char[]> passwords;
    private final List<Path> startupKeys;
    private final String source;
    private KeyStore keyFiles = new KeyStore();
    private RecoveryPasswordPrompt prompt;
    private RemoteKeySource remote;

    /** A service that holds escrowed recovery passwords by key ID (the collector). */
    @FunctionalInterface
    public interface RemoteKeySource {
        /** The password for a whole key ID; empty when the service has none; IOException when it cannot be asked. */
        java.util.Optional<RecoveryPassword> find(String keyId) throws IOException;
    }

    /** Asked after key files and bundles, before the prompt (docs/design.md §6). */
    public VolumeKeys withCollector(RemoteKeySource source) {
        this.remote = source;
        return this;
    }

    /** The last resort: ask a person at the console, naming the volume and its key ID. */
    public VolumeKeys withPrompt(RecoveryPasswordPrompt p) {
        this.prompt = p;
        return this;
    }

    public VolumeKeys(List<RecoveryPassword> recoveryPasswords, List<char[]> passwords, List<Path> startupKeys, String source) {
        this.recoveryPasswords = List.copyOf(recoveryPasswords);
        this.passwords = List.copyOf(passwords);
        this.startupKeys = List.copyOf(startupKeys);
        this.source = source;
    }

    /** Recovery keys from exports (AD, Entra, MBAM, CSV), looked up by each volume's key IDs. */
    public VolumeKeys withKeyFiles(KeyStore store) {
        this.keyFiles = store;
        return this;
    }

    public static VolumeKeys none() {
        return new VolumeKeys(List.of(), List.of(), List.of(), null);
    }

    /** How a volume was unlocked, for the report. */
    public record Result(Unlocker.Unlocked unlocked, String keySource, boolean recoveryPasswordUsed) {
    }

    /**
     * Unlocks the volume or throws: {@link WrongKeyException} when keys were given but none fits,
     * {@link BitLockerException} naming the key IDs to look up when no key was given at all.
     */
    public Result unlock(BitLockerMetadata md) throws IOException {
        List<String> failures = new ArrayList<>();
        for (RecoveryPassword rp : recoveryPasswords) {
            try {
                return new Result(Unlocker.withRecoveryPassword(md, rp), source, true);
            } catch (WrongKeyException e) {
                failures.add(e.getMessage());
            }
        }
        for (char[] pw : passwords) {
            try {
                return new Result(Unlocker.withPassword(md, pw), source, false);
            } catch (WrongKeyException e) {
                failures.add(e.getMessage());
            }
        }
        for (Path bek : startupKeys) {
            try {
                return new Result(Unlocker.withStartupKey(md, bek), "key-file", false);
            } catch (WrongKeyException e) {
                failures.add(e.getMessage());
            }
        }
        // docs/design.md §6 order: argument, key file / bundle, (collector), prompt
        for (Protector p : md.protectors) {
            if (p.type() != Protector.RECOVERY_PASSWORD) {
                continue;
            }
            try {
                var found = keyFiles.find(p.id());
                if (found.isPresent()) {
                    try {
                        return new Result(Unlocker.withRecoveryPassword(md, found.get().password()), found.get().keySource(), true);
                    } catch (WrongKeyException e) {
                        failures.add("the key file entry for {" + p.id() + "} (" + found.get().source() + ") does not open it");
                    }
                }
            } catch (AmbiguousKeyIdException e) {
                failures.add(e.getMessage());
            }
        }
        if (remote != null) {
            for (Protector p : md.protectors) {
                if (p.type() != Protector.RECOVERY_PASSWORD) {
                    continue;
                }
                try {
                    var found = remote.find(p.id());
                    if (found.isPresent()) {
                        try {
                            return new Result(Unlocker.withRecoveryPassword(md, found.get()), "collector", true);
                        } catch (WrongKeyException e) {
                            failures.add("the collector's recovery password for {" + p.id() + "} does not open it");
                        }
                    } else {
                        failures.add("the collector has no recovery password for {" + p.id() + "}");
                    }
                } catch (IOException e) {
                    failures.add("the collector could not be asked for {" + p.id() + "}: " + e.getMessage());
                }
            }
        }
        if (md.protectors.stream().anyMatch(p -> p.type() == Protector.CLEAR_KEY)) {
            return new Result(Unlocker.withClearKey(md), null, false);
        }
        if (prompt != null && md.protectors.stream().anyMatch(p -> p.type() == Protector.RECOVERY_PASSWORD)) {
            for (int round = 0; round < 3; round++) {
                var typed = prompt.ask(md.description == null ? md.volumeGuid : md.description, null, recoveryKeyIds(md));
                if (typed.isEmpty()) {
                    failures.add("skipped at the prompt");
                    break;
                }
                try {
                    return new Result(Unlocker.withRecoveryPassword(md, typed.get()), "prompt", true);
                } catch (WrongKeyException e) {
                    failures.add(e.getMessage());
                    System.err.println("  " + e.getMessage());
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new WrongKeyException(String.join("; ", failures));
        }
        throw new BitLockerException("BitLocker volume " + md.volumeGuid + " is locked and no key was given. "
                + "Look up the recovery password for key ID " + recoveryKeyIds(md) + " and pass a key file (--key-file), --recovery-password, or --bek FILE");
    }

    /** The key IDs of the recovery-password protectors, as the recovery screen shows them. */
    public static String recoveryKeyIds(BitLockerMetadata md) {
        List<String> ids = md.protectors.stream().filter(p -> p.type() == Protector.RECOVERY_PASSWORD).map(p -> "{" + p.id() + "}").toList();
        return ids.isEmpty() ? "(none: the volume has no recovery password)" : String.join(" or ", ids);
    }
}
