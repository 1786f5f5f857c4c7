package io.bootmedic.cli;

import io.bootmedic.format.Printable;
import io.bootmedic.keys.AmbiguousKeyIdException;
import io.bootmedic.keys.InvalidRecoveryPasswordException;
import io.bootmedic.keys.KeyId;
import io.bootmedic.keys.KeyRecord;
import io.bootmedic.keys.KeyStore;
import io.bootmedic.keys.RecoveryPassword;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "keys", description = "BitLocker recovery keys: check one for typos, find one in key files.",
        subcommands = {KeysCommand.Check.class, KeysCommand.Lookup.class, KeysCommand.Bundle.class, KeysCommand.Import.class})
class KeysCommand {

    @Command(name = "check", description = {"Check a recovery password for typos (each group divisible by 11, below 720896); names the wrong group.",
            "Give '-' to read it from standard input instead of the command line. Exit 0 plausible, 1 wrong."})
    static class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "PASSWORD")
        String password;

        @Override
        public Integer call() throws Exception {
            String text = password;
            if ("-".equals(password)) {
                text = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                text = text == null ? "" : text;
            }
            try {
                RecoveryPassword.parse(text);
                spec.commandLine().getOut().println("OK: the recovery password is well formed (whether it opens a volume is only known when it is tried)");
                return 0;
            } catch (InvalidRecoveryPasswordException e) {
                spec.commandLine().getOut().println("WRONG: " + Printable.of(e.getMessage()));
                return ExitCodes.NEEDS_WORK;
            }
        }
    }

    @Command(name = "bundle", description = {"Encrypt key exports into one bundle for a USB stick (Argon2id, AES-256-GCM).",
            "The passphrase comes from --passphrase-file, BOOTMEDIC_BUNDLE_PASSPHRASE, or is asked twice on the console."})
    static class Bundle implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--in", required = true, paramLabel = "FILE", description = "A key export (repeatable).")
        List<Path> inputs = new ArrayList<>();
        @Option(names = "--out", required = true, paramLabel = "B.bmk", description = "The bundle to write (not overwritten).")
        Path out;
        @Option(names = "--passphrase-file", paramLabel = "FILE", description = "The passphrase, for scripts.")
        Path passphraseFile;
        @Option(names = "--only-hosts", paramLabel = "FILE", description = "Keep only the keys of the computers named in FILE (one per line): a site's stick carries only its keys.")
        Path onlyHosts;

        @Override
        public Integer call() throws Exception {
            if (java.nio.file.Files.exists(out)) {
                throw new UsageError(out + " exists; choose another name");
            }
            KeyStore store = KeyFiles.loadInputs(inputs);
            List<KeyRecord> keep = new ArrayList<>(store.all());
            if (onlyHosts != null) {
                java.util.Set<String> hosts = new java.util.HashSet<>();
                for (String h : io.bootmedic.format.TextFiles.readUtf8(onlyHosts, "--only-hosts", 16L * 1024 * 1024).split("\r?\n")) {
                    if (!h.isBlank()) {
                        hosts.add(h.strip().toUpperCase(java.util.Locale.ROOT));
                    }
                }
                keep.removeIf(r -> r.host() == null || !hosts.contains(r.host().toUpperCase(java.util.Locale.ROOT)));
            }
            char[] passphrase = passphraseFile != null || System.getenv(Passphrase.ENV) != null ? Passphrase.read(passphraseFile, "") : typedTwice();
            try {
                io.bootmedic.keys.KeyBundle.write(out, keep, passphrase, io.bootmedic.keys.KeyBundle.KdfParams.DEFAULT);
            } finally {
                java.util.Arrays.fill(passphrase, '\0');
            }
            spec.commandLine().getOut().println("bundle " + out + " holds " + keep.size() + " key(s)"
                    + (onlyHosts == null ? "" : " (of " + store.size() + ", limited to the hosts in " + onlyHosts + ")"));
            return 0;
        }

        private static char[] typedTwice() {
            if (System.console() == null) {
                throw new UsageError("give --passphrase-file FILE or set " + Passphrase.ENV + " (no console to type the passphrase on)");
            }
            char[] first = System.console().readPassword("bundle passphrase: ");
            char[] second = System.console().readPassword("again: ");
            if (first == null || first.length < 8 || !java.util.Arrays.equals(first, second)) {
                throw new UsageError("the passphrases differ or are shorter than 8 characters");
            }
            return first;
        }
    }

    @Command(name = "import", description = {"Escrow key exports in the collector (AD LDIF/CSV, Entra/Graph JSON, MBAM, CSV), where agents fetch them by key ID.",
            "Needs the admin token: --admin-token-file (admin.token from 'collector init') or BOOTMEDIC_ADMIN_TOKEN. Every import is audited."})
    static class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Parameters(paramLabel = "FILE", arity = "1..*", description = "Key exports to upload.")
        List<Path> inputs = new ArrayList<>();
        @Option(names = "--config", paramLabel = "FILE", description = "agent.conf (for the collector's URL and certificate pin).")
        Path config;
        @Option(names = "--collector", paramLabel = "URL", description = "The collector's URL (overrides --config).")
        java.net.URI url;
        @Option(names = "--admin-token-file", paramLabel = "FILE", description = "A file holding the admin token.")
        Path adminTokenFile;

        @Override
        public Integer call() throws Exception {
            if (config == null && url == null) {
                throw new UsageError("say where the collector is: --config agent.conf or --collector URL");
            }
            String token = adminTokenFile != null ? io.bootmedic.format.TextFiles.readUtf8(adminTokenFile, "--admin-token-file", 64 * 1024).strip() : System.getenv("BOOTMEDIC_ADMIN_TOKEN");
            if (token == null || token.isBlank()) {
                throw new UsageError("the import needs the admin token: --admin-token-file admin.token or BOOTMEDIC_ADMIN_TOKEN");
            }
            // agent.conf gives the URL and pin; the token is the admin's, whatever agent token the file holds
            var client = new io.bootmedic.collector.client.CollectorClient(CollectorLink.agentConfig(config, url, null).withToken(token), 60_000);
            int failed = 0;
            for (Path in : inputs) {
                try {
                    io.bootmedic.format.InputFiles.require(in, io.bootmedic.format.InputFiles.Kind.REGULAR_FILE, "keys import");
                    var counts = client.importKeys(java.nio.file.Files.readAllBytes(in), in.getFileName().toString());
                    spec.commandLine().getOut().println(in + ": " + counts.get("imported") + " new, " + counts.get("updated") + " changed, "
                            + counts.get("unchanged") + " unchanged" + (counts.get("rejected") instanceof List<?> r && !r.isEmpty()
                            ? ", " + r.size() + " row(s) rejected: " + r : ""));
                } catch (java.io.IOException e) {
                    failed++;
                    spec.commandLine().getErr().println("bootmedic: " + Printable.of(in + " was not imported: " + e.getMessage()));
                }
            }
            return failed == 0 ? 0 : ExitCodes.NEEDS_WORK;
        }
    }

    @Command(name = "lookup", description = {"Which computer and which file hold a key ID (whole, or its first 8 digits as the recovery screen shows).",
            "The recovery password itself is shown only with --reveal. Exit 0 found, 1 not found or ambiguous."})
    static class Lookup implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "KEYID")
        String keyId;
        @Option(names = "--key-file", paramLabel = "FILE", description = "A recovery-key export (repeatable).")
        List<Path> keyFiles = new ArrayList<>();
        @Option(names = "--key-bundle", paramLabel = "FILE", description = "A key bundle.")
        Path keyBundle;
        @Option(names = "--passphrase-file", paramLabel = "FILE", description = "The bundle's passphrase, for scripts.")
        Path passphraseFile;
        @Option(names = "--reveal", description = "Also print the recovery password (to read it out to someone at the machine).")
        boolean reveal;

        @Override
        public Integer call() throws Exception {
            if (!KeyId.isQuery(keyId)) {
                throw new UsageError("'" + keyId + "' is not a key ID: give the GUID or its first 8 hex digits");
            }
            if (keyFiles.isEmpty() && keyBundle == null) {
                throw new UsageError("give the keys to search: --key-file FILE or --key-bundle FILE");
            }
            KeyStore store = KeyFiles.load(keyFiles, keyBundle, passphraseFile);
            try {
                Optional<KeyRecord> found = store.find(keyId);
                if (found.isEmpty()) {
                    spec.commandLine().getOut().println("NOT FOUND: no key with ID " + KeyId.normalize(keyId) + " in " + store.size() + " key(s)"
                            + (store.size() == 0 ? ": no usable key was read at all (see the skipped rows above; is it the right export?)"
                            : ". Next: check the ID against the recovery screen, or search the export of the computer's own OU or tenant"));
                    return ExitCodes.NEEDS_WORK;
                }
                KeyRecord r = found.get();
                spec.commandLine().getOut().println(r.id().display() + "  host " + Printable.of((r.host() == null ? "?" : r.host()) + "  from " + r.source()));
                if (reveal) {
                    spec.commandLine().getOut().println(r.password().reveal());
                }
                return 0;
            } catch (AmbiguousKeyIdException e) {
                spec.commandLine().getOut().println("AMBIGUOUS: " + Printable.of(e.getMessage()));
                return ExitCodes.NEEDS_WORK;
            }
        }
    }
}
