package io.bootmedic.cli;

import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookLoader;
import picocli.CommandLine.Option;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which playbook to apply and which signatures to trust. */
public class PlaybookOptions {
    @Option(names = "--playbook", paramLabel = "FILE",
            description = "A playbook file (JSON) instead of the built-in CrowdStrike channel-file-291 one. Must be signed (FILE.sig) by a trusted key.")
    Path playbook;

    @Option(names = "--trusted-key", paramLabel = "FILE",
            description = "A public key whose playbook signatures are accepted (repeatable). Keys in trusted-keys/ beside the jar are trusted too.")
    List<Path> trustedKeys = new ArrayList<>();

    @Option(names = "--allow-unsigned-playbook", description = "Accept a playbook without a valid signature. Only for playbooks you wrote and checked yourself.")
    boolean allowUnsigned;

    @Option(names = "--collector-playbooks", description = "Also apply the playbooks the collector (--config) publishes for this machine, each verified "
            + "here against --trusted-key and trusted-keys/ beside the jar; one that does not verify is refused. Always on for --all with --config.")
    boolean collectorPlaybooks;

    /** The keys on the agent's own media: what a collector playbook's signature is checked against. */
    List<io.bootmedic.playbook.VerifyingKey> trusted() throws PlaybookException {
        return PlaybookLoader.trustedKeys(trustedKeys, defaultKeyDirs());
    }

    Playbook load() throws PlaybookException {
        if (playbook == null) {
            return PlaybookLoader.builtin();
        }
        return new PlaybookLoader(PlaybookLoader.trustedKeys(trustedKeys, defaultKeyDirs()), allowUnsigned).load(playbook);
    }

    /** The boot media keep trusted keys next to the jar. */
    static List<Path> defaultKeyDirs() {
        try {
            Path jar = Path.of(PlaybookOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = jar.getParent();
            return dir == null ? List.of() : List.of(dir.resolve("trusted-keys"), dir.resolve("..").resolve("trusted-keys").normalize());
        } catch (URISyntaxException | RuntimeException e) {
            return List.of();
        }
    }
}
