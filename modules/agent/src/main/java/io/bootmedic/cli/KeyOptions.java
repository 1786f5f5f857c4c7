package io.bootmedic.cli;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.format.Printable;
import io.bootmedic.keys.InvalidRecoveryPasswordException;
import io.bootmedic.keys.KeyCandidate;
import io.bootmedic.keys.KeyChain;
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
        return keys(List.of());
    }

    /**
     * The same keys plus recovery passwords typed at the rescue console, first: they are held in
     * this process's memory only, and the report names their source "typed".
     */
    VolumeKeys keys(List<RecoveryPassword> typed) {
        bekFiles.forEach(f -> KeyFiles.require(f, "--bek"));
        List<RecoveryPassword> rps = new ArrayList<>(typed);
        rps.addAll(parsedRecoveryPasswords());
        List<char[]> pws = passwords.stream().map(String::toCharArray).toList();
        return new VolumeKeys(rps, pws, bekFiles, typed.isEmpty() ? "argument" : "typed").withKeyFiles(keyStore())
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

    /**
     * The keys for each locked volume the Windows platform layer finds (--all): the same chain as
     * {@link #keys()} for images (argument, startup key, key files and bundle by key ID, collector,
     * then a person at the prompt). A key BitLocker refuses moves the volume on to the next one.
     * User passwords are for images only: the machine's BitLocker is given recovery passwords and
     * startup keys.
     */
    KeyProvider keyProvider() {
        KeyChain chain = keys().chain(); // a malformed recovery password is a usage error before any volume is touched
        return (keyId, description) -> {
            KeyChain.Candidates walk = chain.walk(keyId == null ? List.of() : List.of(keyId), description,
                    note -> System.err.println("keys: " + Printable.of(note)));
            return () -> {
                for (Optional<KeyCandidate> next = walk.next(); next.isPresent(); next = walk.next()) {
                    KeyCandidate c = next.get();
                    if (c instanceof KeyCandidate.Recovery r) {
                        return Optional.of(RecoveryPasswordOrBek.password(r.password(), r.source()));
                    }
                    if (c instanceof KeyCandidate.StartupKey k) {
                        return Optional.of(RecoveryPasswordOrBek.bek(java.nio.file.Files.readAllBytes(k.file()), k.source()));
                    }
                }
                return Optional.empty();
            };
        };
    }
}
