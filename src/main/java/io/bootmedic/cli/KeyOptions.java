package io.bootmedic.cli;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.keys.InvalidRecoveryPasswordException;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.keys.RecoveryPasswordPrompt;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.RecoveryPasswordOrBek;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** KEYS = --recovery-password P | --password P | --bek FILE | --key-file F (docs/design.md §5), for every command that opens volumes. */
public class KeyOptions {
    @Option(names = "--recovery-password", paramLabel = "P", description = "A BitLocker recovery password (48 digits). For scripts; "
            + "people should prefer key files, bundles or the prompt so the password stays out of shell history.")
    List<String> recoveryPasswords = new ArrayList<>();

    @Option(names = "--password", paramLabel = "P", description = "A BitLocker user password (for scripts).")
    List<String> passwords = new ArrayList<>();

    @Option(names = "--key-file", paramLabel = "FILE", description = "A recovery-key export: AD (LDIF or CSV), Entra ID / Intune (Graph JSON), "
            + "MBAM or any CSV with a key ID and a recovery key column (repeatable). Keys are matched to each volume by key ID.")
    List<Path> keyFiles = new ArrayList<>();

    @Option(names = "--key-bundle", paramLabel = "FILE", description = "An encrypted key bundle made by 'bootmedic keys bundle' (asks for its passphrase once).")
    Path keyBundle;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "The key bundle's passphrase, for scripts (or set BOOTMEDIC_BUNDLE_PASSPHRASE).")
    Path passphraseFile;

    @Option(names = "--prompt", description = "When no other key opens a volume, ask for its recovery password on the console "
            + "(group by group, or a whole line from a barcode scanner).")
    boolean prompt;

    @Option(names = "--bek", paramLabel = "FILE", description = "A BitLocker startup key file (.BEK), e.g. from Azure Disk Encryption's Key Vault.")
    List<Path> bekFiles = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "agent.conf from 'bootmedic collector init' (collector URL, certificate pin, agent token): "
            + "reports are sent to the collector and recovery passwords no other source has are fetched from it.")
    Path config;

    @Option(names = "--collector", paramLabel = "URL", description = "The collector's URL (overrides the one in --config). Without --config the token comes "
            + "from BOOTMEDIC_COLLECTOR_TOKEN and the certificate must be trusted by this Java runtime.")
    java.net.URI collectorUrl;

    private io.bootmedic.collector.client.CollectorClient collector;

    /** The collector named by --config / --collector, or empty when none is. */
    Optional<io.bootmedic.collector.client.CollectorClient> collector() {
        if (collector == null && (config != null || collectorUrl != null)) {
            collector = CollectorLink.client(config, collectorUrl, System.getenv("BOOTMEDIC_COLLECTOR_TOKEN"));
        }
        return Optional.ofNullable(collector);
    }

    private io.bootmedic.keys.KeyStore keyStore;
    private RecoveryPasswordPrompt prompter;

    /** Key files and the bundle, read once: a bundle's passphrase is typed once per boot. */
    private io.bootmedic.keys.KeyStore keyStore() {
        if (keyStore == null) {
            keyStore = KeyFiles.load(keyFiles, keyBundle, passphraseFile);
        }
        return keyStore;
    }

    private RecoveryPasswordPrompt prompter() {
        if (prompter == null && prompt) {
            prompter = new RecoveryPasswordPrompt(new java.io.BufferedReader(System.console() != null ? System.console().reader()
                    : new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8)), new java.io.PrintWriter(System.err, true), 8);
        }
        return prompter;
    }

    /** Every file option is a readable regular file (refused before anything is opened: a FIFO would block for ever). */
    void checkFiles() {
        bekFiles.forEach(f -> KeyFiles.require(f, "--bek"));
        keyFiles.forEach(f -> KeyFiles.require(f, "--key-file"));
        if (keyBundle != null) {
            KeyFiles.require(keyBundle, "--key-bundle");
        }
        if (passphraseFile != null) {
            KeyFiles.require(passphraseFile, "--passphrase-file");
        }
    }

    /** Keys from the command line; a malformed recovery password is a usage error that names the wrong group. */
    VolumeKeys keys() {
        bekFiles.forEach(f -> KeyFiles.require(f, "--bek"));
        List<RecoveryPassword> rps = parsedRecoveryPasswords();
        List<char[]> pws = passwords.stream().map(String::toCharArray).toList();
        return new VolumeKeys(rps, pws, bekFiles, "argument").withKeyFiles(keyStore())
                .withCollector(collector().map(CollectorLink::keySource).orElse(null))
                .withPrompt(prompter());
    }

    private List<RecoveryPassword> parsedRecoveryPasswords() {
        List<RecoveryPassword> rps = new ArrayList<>();
        for (String rp : recoveryPasswords) {
            try {
                rps.add(RecoveryPassword.parse(rp));
            } catch (InvalidRecoveryPasswordException e) {
                throw new UsageError("--recovery-password: " + e.getMessage());
            }
        }
        return rps;
    }

    /** One link of the key chain: the keys it has for a volume, fetched only when the links before it had none that worked. */
    @FunctionalInterface
    private interface Source {
        List<RecoveryPasswordOrBek> keys(String keyId, String description) throws java.io.IOException;
    }

    /**
     * The keys for each locked volume the Windows platform layer finds, in the order of
     * docs/design.md: argument, startup key, key files and bundle (by key ID), collector, then a
     * person at the prompt. A key BitLocker refuses moves the volume on to the next link.
     */
    KeyProvider keyProvider() {
        List<RecoveryPassword> rps = parsedRecoveryPasswords(); // a malformed one is a usage error before any volume is touched
        bekFiles.forEach(f -> KeyFiles.require(f, "--bek"));
        keyStore();
        List<Source> chain = List.of(
                (keyId, d) -> rps.stream().map(rp -> RecoveryPasswordOrBek.password(rp, "argument")).toList(),
                (keyId, d) -> {
                    List<RecoveryPasswordOrBek> beks = new ArrayList<>();
                    for (Path bek : bekFiles) {
                        beks.add(RecoveryPasswordOrBek.bek(java.nio.file.Files.readAllBytes(bek), "key-file"));
                    }
                    return beks;
                },
                this::fromKeyFiles,
                this::fromCollector,
                this::fromPrompt);
        return (keyId, description) -> {
            java.util.Iterator<Source> links = chain.iterator();
            java.util.ArrayDeque<RecoveryPasswordOrBek> pending = new java.util.ArrayDeque<>();
            return () -> {
                while (pending.isEmpty() && links.hasNext()) {
                    pending.addAll(links.next().keys(keyId, description));
                }
                return Optional.ofNullable(pending.poll());
            };
        };
    }

    private List<RecoveryPasswordOrBek> fromKeyFiles(String keyId, String description) {
        if (keyId == null) {
            return List.of();
        }
        try {
            return keyStore().find(keyId).map(r -> List.of(RecoveryPasswordOrBek.password(r.password(), r.keySource()))).orElse(List.of());
        } catch (io.bootmedic.keys.AmbiguousKeyIdException e) {
            System.err.println("keys: " + e.getMessage());
            return List.of();
        }
    }

    private List<RecoveryPasswordOrBek> fromCollector(String keyId, String description) {
        if (keyId == null || collector().isEmpty()) {
            return List.of();
        }
        try {
            Optional<RecoveryPassword> fetched = collector().get().recoveryPassword(keyId);
            if (fetched.isPresent()) {
                return List.of(RecoveryPasswordOrBek.password(fetched.get(), "collector"));
            }
            System.err.println("keys: the collector has no recovery password for " + keyId);
        } catch (java.io.IOException e) {
            System.err.println("keys: the collector could not be asked for " + keyId + ": " + e.getMessage());
        }
        return List.of();
    }

    private List<RecoveryPasswordOrBek> fromPrompt(String keyId, String description) throws java.io.IOException {
        if (keyId == null || prompter() == null) {
            return List.of();
        }
        return prompter().ask(description, null, keyId).map(p -> List.of(RecoveryPasswordOrBek.password(p, "prompt"))).orElse(List.of());
    }
}
