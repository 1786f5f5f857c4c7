package io.bootmedic.cli;

import io.bootmedic.format.Printable;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookKeys;
import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.playbook.PlaybookSignature;
import io.bootmedic.playbook.SigningKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

@Command(name = "playbook", description = "Make signing keys, sign and verify playbooks.",
        subcommands = {PlaybookCommand.Keygen.class, PlaybookCommand.Sign.class, PlaybookCommand.Verify.class})
class PlaybookCommand {

    @Command(name = "keygen", description = "Create an Ed25519 key pair for signing playbooks. Keep the private key off the boot media.")
    static class Keygen implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--private", required = true, paramLabel = "FILE", description = "Where to write the private key (created, not overwritten).")
        Path privateKey;
        @Option(names = "--public", required = true, paramLabel = "FILE", description = "Where to write the public key (copy it into trusted-keys/ on the boot media).")
        Path publicKey;

        @Override
        public Integer call() throws IOException {
            if (Files.exists(privateKey) || Files.exists(publicKey)) {
                spec.commandLine().getErr().println("bootmedic: refusing to overwrite an existing key file; choose other names");
                return ExitCodes.USAGE;
            }
            SigningKey key = SigningKey.generate();
            Files.writeString(privateKey, PlaybookKeys.privateKeyLine(key), StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException windows) {
                // NTFS ACLs of the user's profile apply instead
            }
            Files.writeString(publicKey, PlaybookKeys.publicKeyLine(key.verifyingKey()), StandardCharsets.UTF_8);
            spec.commandLine().getOut().println("key " + key.verifyingKey().id() + ": private " + privateKey + ", public " + publicKey);
            return 0;
        }
    }

    @Command(name = "sign", description = "Sign a playbook file: writes FILE.sig beside it.")
    static class Sign implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The private key from 'playbook keygen'.")
        Path key;
        @Parameters(paramLabel = "PLAYBOOK")
        Path playbook;

        @Override
        public Integer call() throws IOException {
            try {
                byte[] content = PlaybookLoader.read(playbook, "the playbook", PlaybookLoader.MAX_PLAYBOOK_BYTES);
                PlaybookParser.parse(content, playbook.toString()); // never sign something the agent would reject
                Path sig = playbook.resolveSibling(playbook.getFileName() + ".sig");
                Files.write(sig, PlaybookSignature.sign(content, PlaybookKeys.readPrivate(key)));
                spec.commandLine().getOut().println("signed " + playbook + " -> " + sig);
                return 0;
            } catch (PlaybookException e) {
                spec.commandLine().getErr().println("bootmedic: " + Printable.of(e.getMessage()));
                return ExitCodes.NEEDS_WORK;
            }
        }
    }

    @Command(name = "verify", description = "Check a playbook: valid JSON, safe paths, signed by a trusted key. Exit 0 good, 1 refused.")
    static class Verify implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--trusted-key", paramLabel = "FILE", description = "A trusted public key (repeatable).")
        List<Path> trusted = new ArrayList<>();
        @Parameters(paramLabel = "PLAYBOOK")
        Path playbook;

        @Override
        public Integer call() {
            try {
                var loaded = new PlaybookLoader(PlaybookLoader.trustedKeys(trusted, PlaybookOptions.defaultKeyDirs()), false).load(playbook);
                spec.commandLine().getOut().println("OK: " + playbook + " (" + Printable.of(loaded.id()) + ", " + loaded.ruleCount() + " rule(s)) is signed by a trusted key");
                return 0;
            } catch (PlaybookException e) {
                spec.commandLine().getErr().println("REFUSED: " + Printable.of(e.getMessage()));
                return ExitCodes.NEEDS_WORK;
            }
        }
    }
}
